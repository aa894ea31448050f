"""JWST file and product names: the grammar, its patterns, the suffix table and diagnosis.

`parse` (strict: says which part of a bad name is wrong), `bare_name` (a
name safe as a path component) and the `FileName` value object live in
`grammar`; `describe` (lenient: any name, parsed once into a `NameInfo`)
and `info_of` in `info`; `patterns` holds the regular expressions,
`suffix_table` and `suffixes` what each product suffix means, `split` the
forms that regular expressions alone cannot take apart, and `diagnosis`
what to say about a name outside the grammar.
"""

from __future__ import annotations

from jwlink.naming.grammar import (
    MAX_NAME_BYTES,
    FileName,
    Form,
    bare_name,
    is_known_suffix,
    parse,
)
from jwlink.naming.info import NameInfo, describe, info_of

__all__ = [
    "bare_name",
    "describe",
    "FileName",
    "Form",
    "info_of",
    "is_known_suffix",
    "MAX_NAME_BYTES",
    "NameInfo",
    "parse",
]
