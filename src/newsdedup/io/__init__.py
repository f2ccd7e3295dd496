"""Reading inputs and writing outputs: files, formats, run folders."""
