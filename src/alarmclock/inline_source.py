"""The handler as the template inlines it: without comments and docstrings, on the same lines.

CloudFormation takes a template body of at most 51,200 bytes when it is sent inline (the
CloudFormation User Guide's quotas page), and the handler is most of the template. Comments and
docstrings are for the people who read handler.py; the function does not need them. Each line keeps
its number, so a traceback in the function's log points at the right line of handler.py.
"""

from __future__ import annotations

import io
import itertools
import tokenize

# Token types that may come before a statement that is only a string (a docstring, or a bare string).
_STATEMENT_START = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def strip_comments_and_docstrings(source: str) -> str:
    """`source` with every comment removed and every string statement dropped, on the same lines.

    A string statement (a docstring) leaves as many empty lines as it had; where it is the only
    statement of its block, `""` stays in its place. A statement over several lines (inside brackets)
    is joined onto its first line, and the lines it leaves stay empty: every statement keeps its line
    number, and each line joined saves the indentation the template's YAML gives every line of the
    code. Trailing spaces go too, each four spaces of indentation become one (Python needs only
    that each block is indented consistently; ruff formats handler.py in fours), and a one-line
    string in double quotes without a single quote in it is written in single quotes. A test checks
    that the result parses to the same code. Nothing else changes.
    """
    lines = source.splitlines(keepends=True)
    # (row, column) ranges to drop, with what to put in their place; rows are 1-based.
    cuts: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    previous = tokenize.ENCODING
    for index, token in enumerate(tokens):
        if token.type == tokenize.COMMENT:
            cuts.append((token.start, token.end, ""))
        elif token.type == tokenize.STRING and previous in _STATEMENT_START:
            following = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.ENDMARKER
            if following in (tokenize.NEWLINE, tokenize.ENDMARKER):
                alone = _next_statement(tokens, index + 1) in (tokenize.DEDENT, tokenize.ENDMARKER)
                kept = '""' if alone else ""
                cuts.append((token.start, token.end, kept + "\n" * (token.end[0] - token.start[0])))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    # Apply from the end, so earlier positions stay valid.
    for (start_row, start_col), (end_row, end_col), replacement in reversed(cuts):
        head = lines[start_row - 1][:start_col]
        tail = lines[end_row - 1][end_col:]
        lines[start_row - 1 : end_row] = (head + replacement + tail).splitlines(keepends=True) or [""]
    stripped = "".join(_quarter_indent(line.rstrip()) + ("\n" if line.endswith("\n") else "") for line in lines)
    return _tight(_joined(_single_quoted(stripped)))


def _next_statement(tokens: list[tokenize.TokenInfo], index: int) -> int:
    """The type of the first token after tokens[index] that is not a line end or a comment."""
    for token in tokens[index + 1 :]:
        if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            return token.type
    return tokenize.ENDMARKER


def _joined(source: str) -> str:
    """Each line that continues inside brackets joined onto the one before, leaving an empty line."""
    lines = source.split("\n")
    depth = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NL and depth > 0:
            row = token.start[0] - 1  # this line goes on at the next one
            home = row
            while not lines[home]:
                home -= 1  # joined already: the statement's first line
            following = lines[row + 1].lstrip(" ")
            gap = " " if _word_end(lines[home]) and _word_start(following) else ""
            lines[home] += gap + following
            lines[row + 1] = ""
    return "\n".join(lines)


# Tokens that need a space between them: two of these (`return x`, `1 if`), or two operators that
# could read as one (`= -`, `* *`); a bracket or a comma needs none on either side.
_WORDS = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}
_LOOSE = set("()[]{},")


def _tight(source: str) -> str:
    """Each line's tokens with a space only where Python needs one (`x=f(a,b)`, not `x = f(a, b)`).
    A line that a token spans (a string over several lines), or with any other kind of token (an
    f-string, which Python 3.12 tokenizes in parts), stays as it is."""
    lines = source.split("\n")
    rows: dict[int, list[tokenize.TokenInfo]] = {}
    kept: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in _LAYOUT:
            continue
        rows.setdefault(token.start[0], []).append(token)
        if (token.type != tokenize.OP and token.type not in _WORDS) or token.end[0] != token.start[0]:
            kept.update(range(token.start[0], token.end[0] + 1))
    for row, found in rows.items():
        if row in kept:
            continue
        line = lines[row - 1]
        text = line[: len(line) - len(line.lstrip(" "))] + found[0].string
        for before, token in itertools.pairwise(found):
            text += (" " if _spaced(before, token) else "") + token.string
        lines[row - 1] = text
    return "\n".join(lines)


_LAYOUT = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.COMMENT}


def _spaced(before: tokenize.TokenInfo, token: tokenize.TokenInfo) -> bool:
    if before.type in _WORDS and token.type in _WORDS:
        return True
    if before.type == tokenize.NUMBER and token.string.startswith("."):
        return True  # `1 .real`, not the number `1.`
    return before.type == token.type == tokenize.OP and before.string not in _LOOSE and token.string not in _LOOSE


def _word_end(text: str) -> bool:
    return bool(text) and (text[-1].isalnum() or text[-1] == "_")


def _word_start(text: str) -> bool:
    return bool(text) and (text[0].isalnum() or text[0] == "_")


def _single_quoted(source: str) -> str:
    """Each one-line "string" without a ' in it as 'string': the same string, and JSON (what deploy
    sends) writes a ' as it is, where it escapes every " as \\"."""
    lines = source.splitlines(keepends=True)
    for token in reversed(list(tokenize.generate_tokens(io.StringIO(source).readline))):
        text = token.string
        quoted = token.type == tokenize.STRING and token.start[0] == token.end[0]
        prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
        body = text[len(prefix) :]
        if not quoted or not body.startswith('"') or body.startswith('"""') or "'" in body:
            continue
        row, start, end = token.start[0] - 1, token.start[1], token.end[1]
        lines[row] = lines[row][:start] + prefix + "'" + body[1:-1] + "'" + lines[row][end:]
    return "".join(lines)


def _quarter_indent(line: str) -> str:
    body = line.lstrip(" ")
    return " " * ((len(line) - len(body)) // 4) + body
