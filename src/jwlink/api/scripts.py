"""Curl download scripts that tell the whole truth about what they did not fetch.

A script fetches, resumes (``curl -C -``) and verifies (SHA-256) the files
the caller may read. Files the archive left out when the script was made
(no token or a token that does not grant them, not held, a bad name) are
in the script too, as ``left_out`` lines, so that running it counts them.
At the end the script prints what it fetched, then each reason a file is
missing with its count and how to get it, and exits 1 when any file is
missing: a run that did less than asked never ends with "all files complete".
"""

from __future__ import annotations

import re
import shlex
import time
from urllib.parse import urlencode

from jwlink.api.streams import Entry, checksum, one_line

__all__ = ["again_get", "again_mast", "curl_script", "public_url"]

_SCRIPT_HEAD = """#!/bin/sh
# jwlink download script: {count} file(s), {size} bytes, from {server}{skipped}
# generated {when}
#
# Usage:  sh {script} [TOKEN]      (or set MAST_API_TOKEN for exclusive-access files)
# Files go to ./<obs_collection>/<obs_id>/<file>. A partial file is resumed
# (curl -C -), every file is checked against its SHA-256, and running the
# script again skips files that are already complete. It ends by counting
# the files it did not fetch, by reason, and exits 1 if any is missing.
set -u
TOKEN="${{1:-${{MAST_API_TOKEN:-}}}}"
case "$TOKEN" in
    *'"'*|*'\\'*) echo "the token must not hold a double quote or a backslash" >&2; exit 2 ;;
esac
TOTAL={total}
AGAIN={again}
if command -v sha256sum >/dev/null 2>&1; then SHA256="sha256sum"; else SHA256="shasum -a 256"; fi
FETCHED=0; PRESENT=0; SKIP_AUTH=0; RUN_AUTH=0; NOT_HELD=0; BAD_NAME=0; FAILED=0; MISMATCH=0; OTHER=0

verify() {{
    [ -z "$1" ] && return 0  # the catalog holds no checksum for this file
    printf '%s  %s\\n' "$1" "$2" | $SHA256 -c --status 2>/dev/null
}}

left_out() {{
    # A file the archive did not put in this script: its status, path and why.
    echo "NOT FETCHED ($1) $2: $3"
    case "$1" in
        NOT_AUTHORIZED) SKIP_AUTH=$((SKIP_AUTH + 1)) ;;
        NOT_HELD) NOT_HELD=$((NOT_HELD + 1)) ;;
        BAD_NAME) BAD_NAME=$((BAD_NAME + 1)) ;;
        *) OTHER=$((OTHER + 1)) ;;
    esac
}}

fetch() {{
    url="$1"; out="$2"; sum="$3"; size="$4"
    mkdir -p "$(dirname "$out")"
    if [ -f "$out" ] && [ "$(wc -c < "$out" | tr -d ' ')" -ge "$size" ]; then
        if verify "$sum" "$out"; then
            echo "OK (already complete) $out"; PRESENT=$((PRESENT + 1)); return 0
        fi
        rm -f "$out"
    fi
    # The token travels in curl's config on stdin, never on the command line.
    if [ -n "$TOKEN" ]; then
        code=$(printf 'header = "Authorization: Bearer %s"\\n' "$TOKEN" | \\
            curl --config - --globoff --location --fail --silent --show-error --retry 3 \\
                 --write-out '%{{http_code}}' -C - -o "$out" "$url")
    else
        code=$(curl --globoff --location --fail --silent --show-error --retry 3 \\
                    --write-out '%{{http_code}}' -C - -o "$out" "$url")
    fi
    status=$?
    if [ "$status" -ne 0 ]; then
        if [ -f "$out" ] && [ ! -s "$out" ]; then rm -f "$out"; fi
        case "$code" in
            401|403) echo "NOT AUTHORIZED (HTTP $code) $out"; RUN_AUTH=$((RUN_AUTH + 1)) ;;
            404) echo "NOT HELD (HTTP 404) $out"; NOT_HELD=$((NOT_HELD + 1)) ;;
            *) echo "ERROR (curl exit $status, HTTP $code) $out"; FAILED=$((FAILED + 1)) ;;
        esac
        return 0
    fi
    if verify "$sum" "$out"; then echo "OK $out"; FETCHED=$((FETCHED + 1)); return 0; fi
    echo "CHECKSUM MISMATCH $out"; MISMATCH=$((MISMATCH + 1))
}}

"""

_SCRIPT_TAIL = """
AUTH=$((SKIP_AUTH + RUN_AUTH))
MISSING=$((AUTH + NOT_HELD + BAD_NAME + FAILED + MISMATCH + OTHER))
if [ "$MISSING" -eq 0 ]; then
    echo "all files complete: $FETCHED fetched, $PRESENT already complete"
    exit 0
fi
{
    echo "INCOMPLETE: $MISSING of $TOTAL file(s) not fetched" \
         "($FETCHED fetched, $PRESENT already complete)"
    if [ "$AUTH" -ne 0 ]; then
        echo "  NOT_AUTHORIZED     $AUTH  exclusive access: needs a token granting the program"
    fi
    if [ "$NOT_HELD" -ne 0 ]; then
        echo "  NOT_HELD           $NOT_HELD  not held by this archive"
    fi
    if [ "$BAD_NAME" -ne 0 ]; then
        echo "  BAD_NAME           $BAD_NAME  the catalog name is not a plain file name"
    fi
    if [ "$FAILED" -ne 0 ]; then
        echo "  FAILED             $FAILED  the transfer failed (run the script again to retry)"
    fi
    if [ "$MISMATCH" -ne 0 ]; then
        echo "  CHECKSUM_MISMATCH  $MISMATCH  SHA-256 differs from the catalog's (run again)"
    fi
    if [ "$OTHER" -ne 0 ]; then
        echo "  OTHER              $OTHER  refused by the archive (see the lines above)"
    fi
    if [ "$SKIP_AUTH" -ne 0 ]; then
        echo "$SKIP_AUTH exclusive-access file(s) are not in this script: the request for it"
        echo "carried no token that grants their program. Request the script again with one:"
        printf '    %s\\n' "$AGAIN"
        echo "then run it with the token: sh SCRIPT TOKEN (or MAST_API_TOKEN=TOKEN sh SCRIPT)"
    fi
    if [ "$RUN_AUTH" -ne 0 ]; then
        if [ -n "$TOKEN" ]; then
            echo "the server refused the token given to this script for $RUN_AUTH file(s):"
            echo "it is not valid, or does not grant their program"
        else
            echo "$RUN_AUTH file(s) need the token: sh $0 TOKEN (or MAST_API_TOKEN=TOKEN sh $0)"
        fi
    fi
} >&2
exit 1
"""

# Query parameters that could carry a credential: never copied into a script.
_SECRET_PARAM = re.compile(r"(?i)^(token|access_token|mast_token|api_key)$")


def again_get(url: str, script: str) -> str:
    """Return the command that fetches a GET script again with a token."""
    return f'curl -H "Authorization: Bearer YOUR_TOKEN" -o {script} {shlex.quote(url)}'


def again_mast(url: str) -> str:
    """Return how to request a MAST ``Download/bundle.sh`` script again with a token."""
    return (
        "astroquery: Observations.login(token=YOUR_TOKEN), then "
        "Observations.download_products(..., curl_flag=True); or POST the same uri=... "
        f'form to {url} with -H "Authorization: Bearer YOUR_TOKEN" '
        "(or the cookie mast_token=YOUR_TOKEN)"
    )


def public_url(scheme_host_path: str, pairs: list[tuple[str, str]]) -> str:
    """Return a request URL without any query parameter that could carry a credential."""
    kept = [(k, v) for k, v in pairs if not _SECRET_PARAM.match(k)]
    return scheme_host_path + ("?" + urlencode(kept) if kept else "")


def curl_script(
    entries: list[Entry], skipped: list[Entry], server: str, script: str, again: str
) -> str:
    """Return a POSIX shell script that fetches, resumes and verifies the entries.

    Parameters
    ----------
    entries : list of Entry
        The files the caller may fetch.
    skipped : list of Entry
        The files left out, each with its status and message; the script
        counts them and exits 1.
    server : str
        The server's base URL (shown in the header).
    script : str
        The script's file name (shown in the usage line).
    again : str
        How to request the script again with a token (printed when
        exclusive-access files were left out).
    """
    head = _SCRIPT_HEAD.format(
        count=len(entries),
        skipped=f"\n# and {len(skipped)} the archive leaves out (left_out lines, below)"
        if skipped
        else "",
        size=sum(e.size for e in entries),
        server=one_line(server),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        script=script,
        total=len(entries) + len(skipped),
        again=shlex.quote(one_line(again)),
    )
    lines = [head]
    for entry in skipped:
        # The comment is for a reader of the script; the call is what counts it.
        lines.append(f"# left out ({entry.status}): {one_line(entry.name)}\n")
    for entry in skipped:
        quoted = (shlex.quote(one_line(v)) for v in (entry.status, entry.path, entry.message))
        lines.append("left_out " + " ".join(quoted) + "\n")
    for entry in entries:
        quoted = (
            shlex.quote(v) for v in (entry.url, entry.path, checksum(entry) or "", str(entry.size))
        )
        lines.append("fetch " + " ".join(quoted) + "\n")
    lines.append(_SCRIPT_TAIL)
    return "".join(lines)
