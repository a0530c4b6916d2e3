"""Views over the validated layer: submissions, rejections, warnings (SPEC §8)."""

VIEWS: dict[str, str] = {}
