"""Small parts the step views share: save feedback, item texts, style, timeline picture."""
