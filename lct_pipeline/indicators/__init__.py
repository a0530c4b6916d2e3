"""Current data and the programme's indicators (SPEC §7, §8).

- ``facts``: a quarter's current accepted rows into the star schema, and its dimensions.
- ``inputs``: the current facts the indicators are computed from.
- ``engine``: the catalogue-driven computation (areas, period types, breakdowns).
- ``reporting``: completeness and timeliness of the values submissions.
- ``targets``: expected to date, achievement and RAG.
- ``partition``: one quarter's indicator rows, computed and written.
"""
