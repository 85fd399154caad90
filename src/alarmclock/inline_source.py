"""The handler as the template inlines it: without comments, docstrings, empty lines and spare spaces,
simple statements in a row sharing a line.

CloudFormation takes a template body of at most 51,200 bytes when it is sent inline (the
CloudFormation User Guide's quotas page), and the handler is most of the template. Comments and
docstrings are for the people who read handler.py; the function does not need them. Nor does it need
the lines they leave: each costs the two bytes of `\\n` in the body deploy sends, some 1.6 KB in
all, or some twenty targets. So a traceback in the function's log names a line of the deployed
`index.py` (the Lambda console shows it, and `alarmclock template` writes it), in a function of the
same name as in handler.py.
"""

from __future__ import annotations

import io
import itertools
import tokenize

# Token types that may come before a statement that is only a string (a docstring, or a bare string).
_STATEMENT_START = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def strip_comments_and_docstrings(source: str) -> str:
    """`source` with every comment removed, every string statement dropped and no empty line.

    Where a string statement (a docstring) is the only statement of its block, `""` stays in its
    place. A statement over several lines (inside brackets) is joined onto its first line
    (_joined): each line joined saves the `\\n` of compact JSON, or the indentation the template's
    YAML gives every line of the code. Empty lines go (_without_empty_lines), but inside a string
    over several lines. Simple statements that follow each other in a block share a line, joined by
    `;` (_semicolons): each join saves a `\\n` and an indentation. Trailing spaces go too, each four
    spaces of indentation become one (Python needs only that each block is indented consistently;
    ruff formats handler.py in fours), a one-line string in double quotes without a single quote in
    it is written in single quotes, and spaces between tokens go where Python does not need them
    (_tight). A test checks that the result parses to the same code. Nothing else changes.
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
    return _semicolons(_without_empty_lines(_tight(_joined(_single_quoted(stripped)))))


def _without_empty_lines(source: str) -> str:
    """Every empty line dropped, but those inside a string over several lines (its text)."""
    lines = source.splitlines(keepends=True)
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.end[0] > token.start[0]:  # a string's text (an f-string's piece, from Python 3.12)
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return "".join(line for row, line in enumerate(lines, 1) if line.strip() or row in inside)


# The keywords a compound statement starts with: its line ends in `:` and opens a block, so it never
# shares a line with the statement before or after it. (`match` and `case` are not used in handler.py.)
_COMPOUND = {"if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class", "async"}


def _semicolons(source: str) -> str:
    """Each simple statement on one line that follows another at the same indentation joined onto it
    with `;` (`a=1\\n b=2` as `a=1;b=2`), as Python's grammar allows a simple statement's small
    statements to share a line. A compound statement (its keyword, or a decorator) and a statement over
    several lines (a multi-line string, a backslash) stay on lines of their own."""
    lines = source.split("\n")
    first: dict[int, tokenize.TokenInfo] = {}  # the first token of each logical line, by its row
    spans: set[int] = set()  # rows of logical lines over several rows
    start = None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT):
            continue
        if start is None:
            start = token
            first[token.start[0]] = token
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if token.start[0] != start.start[0]:
                spans.update(range(start.start[0], token.start[0] + 1))
            start = None
    simple = {
        row
        for row, token in first.items()
        if row not in spans
        and token.string not in _COMPOUND
        and token.string != "@"
        and token.type != tokenize.ENDMARKER
    }
    home, home_indent = 0, -1  # the row a run of simple statements is joined onto (rows are 1-based)
    for row in range(1, len(lines) + 1):
        text = lines[row - 1]
        indent = len(text) - len(text.lstrip(" "))
        if row not in simple:
            home = 0
        elif home and indent == home_indent:
            lines[home - 1] += ";" + text.lstrip(" ")
            lines[row - 1] = ""
        else:
            home, home_indent = row, indent
    return "\n".join(line for row, line in enumerate(lines, 1) if line or row not in simple)


def _next_statement(tokens: list[tokenize.TokenInfo], index: int) -> int:
    """The type of the first token after tokens[index] that is not a line end or a comment."""
    for token in tokens[index + 1 :]:
        if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            return token.type
    return tokenize.ENDMARKER


def _joined(source: str) -> str:
    """Each line that continues inside brackets joined onto the one before, leaving an empty line."""
    lines = _without_trailing_commas(source).split("\n")
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


def _without_trailing_commas(source: str) -> str:
    """A comma that ends a line just before its closing bracket dropped where the brackets hold another
    (ruff's trailing comma: `f(a, b,)` is `f(a, b)`, but `(a,)` is a tuple and keeps it). Each such
    comma is the last character of its line, so every other token stays where it was."""
    lines = source.split("\n")
    groups: list[list[tokenize.TokenInfo]] = []  # the commas of each open bracket, innermost last
    before: tokenize.TokenInfo | None = None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.OP and token.string in "([{":
            groups.append([])
        elif token.type == tokenize.OP and token.string in ")]}":
            commas = groups.pop()
            last = commas[-1] if len(commas) > 1 else None
            if last is not None and before is last and last.end[1] == len(lines[last.start[0] - 1]):
                lines[last.start[0] - 1] = lines[last.start[0] - 1][:-1]
        elif token.type == tokenize.OP and token.string == "," and groups:
            groups[-1].append(token)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            before = token
    return "\n".join(lines)


# Tokens that need a space between them: two words (`not x`, `1 if`), and a word before or after a
# string (a name before a string could read as its prefix: `r 'x'` is not `r'x'`).
_WORDS = {tokenize.NAME, tokenize.NUMBER}
_MULTI_LINE = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def _tight(source: str) -> str:
    """Each line with only the spaces Python needs between its tokens: `a = f(b, c)` as `a=f(b,c)`.

    About a twentieth of the inline handler, and every byte of it is one of CloudFormation's 51,200.
    A line a token spans onto, or from (a multi-line string, a line ending in a backslash), and a
    line holding an f-string (tokenised piece by piece from Python 3.12) stay as they are."""
    lines = source.splitlines(keepends=True)
    by_row: dict[int, list[tokenize.TokenInfo]] = {}
    untouched: set[int] = set()
    fstring = getattr(tokenize, "FSTRING_START", None)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in _MULTI_LINE:
            continue
        if token.start[0] != token.end[0] or token.type == fstring:
            untouched.update(range(token.start[0], token.end[0] + 1))
        by_row.setdefault(token.start[0], []).append(token)
    for row, row_tokens in by_row.items():
        line = lines[row - 1]
        if row in untouched or line.rstrip("\n").endswith("\\"):
            continue
        text = row_tokens[0].string
        for before, token in itertools.pairwise(row_tokens):
            words = {before.type, token.type}
            needs_space = words <= _WORDS or (tokenize.STRING in words and words & _WORDS)
            text += (" " if needs_space else "") + token.string
        lines[row - 1] = line[: row_tokens[0].start[1]] + text + ("\n" if line.endswith("\n") else "")
    return "".join(lines)


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
