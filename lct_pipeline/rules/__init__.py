"""The validation rules of SPEC §5, as Great Expectations suites built from the reference data.

Rows of one record type go through these modules, in this order:

- ``prepare``: raw text into typed helper columns (codes, quarters as numbers, numbers,
  what the registry and the catalogue say about the row's organisation and element,
  its slice's ``submission_id``);
- ``suites``: the rules, generated from the catalogue and the registry, each an
  expectation with its reason code and message; *row rules* judge a row on its own,
  *slice rules* (totals against accepted detail rows, and every warning) run on the
  rows that passed;
- ``cross_row``: what a rule needs from other rows (duplicates, detail sums, history,
  consistency between elements) as helper columns;
- ``checker``: runs a suite with GX in one ephemeral context and maps failures to rows;
- ``precedence``: the reason codes and which one a row with several faults gets;
- ``judge``: a record type's rows through both suites;
- ``split``: verdicts into slices (with supersession), accepted rows and issues.
"""
