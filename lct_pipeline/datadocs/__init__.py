"""Data Docs that work offline, under one index (SPEC §5).

Great Expectations writes pages that load Bootstrap, jQuery, Vega and Font Awesome
from CDNs and its logo from S3: offline, on a data officer's laptop or a closed
network, they render unstyled and their tables list nothing. The same files come
from npm packages (``package.json`` here pins them; ``make`` installs them with
``npm ci``), copied once to ``vendor/`` under the Data Docs folder, and every page
is rewritten to load them by relative path. A top-level ``index.html`` links each
quarter's validation results.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import tempfile
from pathlib import Path

from lct_pipeline.files import atomic_write_bytes

PACKAGES = Path(__file__).with_name("node_modules")
# Named after the pinned versions: new versions go to a new folder, never over the old.
_LOCK = Path(__file__).with_name("package-lock.json")
VENDOR = f"vendor-{hashlib.sha256(_LOCK.read_bytes()).hexdigest()[:8]}"
INDEX = "index.html"
# Each address GX's pages load -> the file of an npm package that serves it.
CDN = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/dist/umd/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/dist/js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
}  # fmt: skip
_BOOTSTRAP = CDN["https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"]
# Font Awesome's stylesheet loads its fonts from ../webfonts/.
_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
# GX's logo, which its own static folder (copied into each site) holds too.
_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/"
    r"(?:logo-long|full_logo_dark)\.png(?:\?d=[0-9TZ.]+)?"
)
_STATIC = re.compile(r'(?<=")(?:\.\./)+static/([^"]+)(?=")')
_CDN_ATTRIBUTES = re.compile(r'\s(?:integrity|crossorigin)="[^"]*"')
_QUARTER = re.compile(r"^[0-9]{4}Q[1-4]$")


class MissingAssets(RuntimeError):
    """The npm packages are not installed: pages would load from CDNs or render unstyled."""


def install_vendor(root: Path) -> Path:
    """``root/vendor-<version>``, with the packages' files; written once, whole or not at all."""
    target = root / VENDOR
    if target.is_dir():
        return target
    if not PACKAGES.is_dir():
        raise MissingAssets(
            f"{PACKAGES} is missing: run `make` (npm ci in {PACKAGES.parent}) so that Data Docs"
            " load their styles and scripts locally."
        )
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".vendor-", dir=root))
    for relative in CDN.values():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGES / relative, staging / relative)
    for folder in _FOLDERS:
        shutil.copytree(PACKAGES / folder, staging / folder)
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile: theirs is the same
        shutil.rmtree(staging, ignore_errors=True)
    return target


def localise(site: Path, vendor: Path) -> int:
    """Rewrite every page and stylesheet of ``site`` to load the vendored files and GX's own
    logo by relative path; the number of files rewritten."""
    logo = site / "static" / "images" / "logo-long.png"
    changed = 0
    for path in [*site.rglob("*.html"), *site.rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        local = text
        for address, relative in CDN.items():
            if address in local:
                local = local.replace(address, _relative(vendor / relative, path))
        local = _LOGO.sub(_relative(logo, path), local)
        # GX's own static files, by their path from the page: GX counts one folder short
        # on validation result pages (their favicon is not found).
        local = _STATIC.sub(
            lambda m, page=path: _relative(site / "static" / m.group(1), page), local
        )
        # The CDNs' hashes and CORS mode do not fit local files: Chromium refuses a file://
        # script marked crossorigin, and the npm build of popper.js is not the CDN's.
        local = _CDN_ATTRIBUTES.sub("", local)
        if local != text:
            path.write_text(local, encoding="utf-8")
            changed += 1
    return changed


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def write_index(root: Path, vendor: Path) -> Path:
    """``root/index.html``: every quarter's Data Docs and its validation result pages."""
    target = root / INDEX
    quarters = sorted(
        (p for p in root.iterdir() if p.is_dir() and _QUARTER.match(p.name)),
        reverse=True,
    )
    items = []
    for quarter in quarters:
        results = sorted((quarter / "validations").rglob("*.html"))
        links = "".join(
            f'<li><a href="{html.escape(_relative(page, root / INDEX))}">'
            f"{html.escape(page.relative_to(quarter / 'validations').parts[0])}</a></li>"
            for page in results
        )
        items.append(
            f'<li><a href="{quarter.name}/{INDEX}">{quarter.name}</a><ul>{links}</ul></li>'
        )
    body = "".join(items) or "<li>No quarter has been validated yet.</li>"
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>LCT validation results</title>"
        f'<link rel="stylesheet" href="{_relative(vendor / _BOOTSTRAP, target)}"></head>'
        '<body class="container my-4"><h1>LCT validation results</h1>'
        "<p>Each quarter's Great Expectations suites and their results on the quarter's"
        " rows, as its last run left them. Failing rows are named by file and row.</p>"
        f"<ul>{body}</ul></body></html>"
    )
    atomic_write_bytes(target, page.encode("utf-8"))
    return target
