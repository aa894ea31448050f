"""HTML rendering from the package's templates with `string.Template` (no template engine).

Every value is HTML-escaped unless wrapped in `Safe`; page data travels as
JSON in a ``<script type="application/json">`` element, escaped so that no
value can close the element.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

__all__ = ["Safe", "page_data_json", "render", "render_page"]


class Safe(str):
    """Text that is already HTML and is inserted as is."""

    __slots__ = ()


@lru_cache(maxsize=32)
def _template(name: str) -> Template:
    text = resources.files("jwlink.portal").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def render(template: str, /, **values: Any) -> Safe:
    """Fill ``templates/<template>``; plain values are HTML-escaped.

    Raises
    ------
    KeyError
        The template names a placeholder that no value fills.
    """
    filled = {k: v if isinstance(v, Safe) else html.escape(str(v)) for k, v in values.items()}
    return Safe(_template(template).substitute(filled))


def page_data_json(data: dict[str, Any]) -> Safe:
    """Serialise page data for a ``<script type="application/json">`` element."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return Safe(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def render_page(
    *, base: str, title: str, json_url: str, script: str, body: Safe, data: dict[str, Any]
) -> str:
    """Return a whole page: the shared frame around ``body``.

    Parameters
    ----------
    base : str
        The application's root path ("" when served at the root).
    title : str
        Page title and main heading.
    json_url : str
        The page's JSON twin (the native API call behind it).
    script : str
        Name of the page's module under ``static/js/`` (without ``.js``).
    body : Safe
        The page's own HTML.
    data : dict
        Page data for the script (``base`` and ``json_url`` are added).
    """
    data = {"base": base, "json_url": json_url, **data}
    return render(
        "base.html", base=base, title=title, json_url=json_url, script=script, body=body,
        data=page_data_json(data),
    )  # fmt: skip
