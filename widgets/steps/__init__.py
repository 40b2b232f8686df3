"""One view per step of the workbook, each bound to the workbook's state."""
