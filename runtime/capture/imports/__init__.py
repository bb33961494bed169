"""File imports: a spreadsheet's rows through the capture intake, in the background, resumable
and undoable as a whole."""
