"""The tables people open, as files: the evaluation extracts and each CSO's feedback.

``layout`` (tables and the workbook sheets that hold them), ``workbooks`` (XLSX) and
``csvfiles`` (CSV) write them, and ``safe_text`` makes sure no cell is ever run as a
formula.
"""
