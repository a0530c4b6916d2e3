"""The report's stylesheet: inline in the page, system fonts, prints on A4."""

CSS = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #dfe3ea; --navy: #1f3864;
  --green: #2e7d32; --amber: #b26a00; --red: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f4f6f9;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
.wrap { max-width: 1200px; margin: 0 auto; padding: 0 28px; }
header.top { background: var(--navy); color: #fff; padding: 22px 0 18px; margin-bottom: 22px; }
header .brand { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .75; }
header h1 { margin: 4px 0 2px; font-size: 28px; font-weight: 650; }
header .sub { opacity: .85; }
header .badge { display: inline-block; margin-top: 12px; padding: 4px 10px; border-radius: 4px;
  background: #fff3cd; color: #6d4c00; font-size: 12px; font-weight: 600; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 18px 22px; margin-bottom: 20px; }
section h2 { margin: 0 0 12px; font-size: 17px; color: var(--navy); }
section.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px;
  background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
  border-top: 4px solid var(--navy); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .05em; }
.card .big { font-size: 30px; font-weight: 650; margin: 4px 0; }
.card .note { color: var(--muted); font-size: 12.5px; }
.g { color: var(--green); font-weight: 650; } .a { color: var(--amber); font-weight: 650; }
.r { color: var(--red); font-weight: 650; }
table.grid { width: 100%; border-collapse: collapse; font-size: 13px; }
table.grid th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px;
  border-bottom: 2px solid var(--line); padding: 6px 8px; white-space: nowrap; }
table.grid td { border-bottom: 1px solid var(--line); padding: 6px 8px; }
table.grid tr:last-child td { border-bottom: 0; }
table.grid .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.small { font-size: 12px; margin-top: 10px; }
.pill { display: inline-block; min-width: 62px; text-align: center; padding: 2px 8px;
  border-radius: 10px; font-size: 11.5px; font-weight: 700; letter-spacing: .03em; }
.pill.green { background: #c6efce; color: #006100; }
.pill.amber { background: #ffeb9c; color: #7a4a00; }
.pill.red { background: #ffc7ce; color: #9c0006; }
figure.chart { margin: 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.legend { color: var(--muted); font-size: 12.5px; margin: 8px 0 0; }
table.heat td.hm, span.hm { text-align: center; font-size: 11.5px; font-weight: 600; }
span.hm { display: inline-block; padding: 1px 8px; border-radius: 3px; }
.hm.ok { background: #c6efce; color: #006100; } .hm.late { background: #ffeb9c; color: #7a4a00; }
.hm.miss { background: #ffc7ce; color: #9c0006; } .hm.na { background: #f1f3f6; color: #9aa3b2; }
table.heat td.hm { border: 2px solid #fff; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 30px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
"""
