"""The workbook's views, built with ipywidgets on the core package ``secondopinion``.

- ``workbook_state``: the one state of a workbook that every view binds to;
- ``steps``: one module per step of the workbook (intake, questions, records, next steps,
  compare, take it with you);
- ``parts``: the small shared parts (save feedback, item texts, style, the timeline picture,
  the address bar);
- ``app``: the steps joined into one workbook; ``dashboard``: what the patient's Voilà page
  shows; ``roster``: the navigator's desk in JupyterLab.
"""
