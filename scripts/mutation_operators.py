"""The mutants of one module: each a small edit to its source text, found by walking its syntax tree.

Operators (the ones of issue 27's first run):

- compare_flip: a comparison negated (`<` to `>=`, `==` to `!=`, `in` to `not in`, `is` to `is not`)
- compare_boundary: a comparison's boundary moved (`<` to `<=`, `>` to `>=` and back)
- constant_off_by_one: a number one more (`300` to `301`, `0.5` to `1.5`)
- bool_swap: `True` to `False` and back
- boolop_swap: `and` to `or` and back
- arith_swap: `+` to `-`, `*` to `/`, `/` and `//` to `*`, and back
- statement_removed: an expression statement, assignment or `raise` inside a function becomes `pass`
- return_dropped: a `return` inside a function becomes `pass` (the function falls through)

Left out on purpose: docstrings, type annotations and what `if TYPE_CHECKING:` guards (no behaviour),
anything inside an f-string (Python 3.11 gives no exact positions there), strings, and removing
statements at module or class level (an import-time NameError, caught by every test: it would only
pad the score).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
}
_REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise)


@dataclass(frozen=True)
class Mutant:
    """One edit: the source from (line, col) to (end_line, end_col), columns in UTF-8 bytes as ast gives them."""

    line: int
    col: int
    end_line: int
    end_col: int
    operator: str
    original: str
    replacement: str
    # Where the edit sits: "function" (runs when called), or "module"/"class" (runs at import).
    scope: str
    # Names a module- or class-level assignment binds (the tests that read them reach the mutant).
    binds: tuple[str, ...] = ()
    # The enclosing function's body lines, for an edit in its defaults or decorators (run at import).
    body_lines: tuple[int, int] | None = None

    def key(self, source_lines: list[str]) -> dict[str, str]:
        """What names the mutant across edits elsewhere in the file: its operator, its line's text and its edit."""
        return {
            "operator": self.operator,
            "line_text": source_lines[self.line - 1].strip(),
            "original": self.original,
            "mutant": self.replacement,
        }


def mutants(source: str) -> list[Mutant]:
    """Every mutant of `source`, in the order of the source."""
    tree = ast.parse(source)
    found: list[Mutant] = []
    _Walker(source, found).visit(tree)
    found.sort(key=lambda m: (m.line, m.col, m.operator, m.replacement))
    return found


def apply(source: str, mutant: Mutant) -> str:
    """`source` with `mutant`'s edit made."""
    data = source.encode("utf-8")
    starts = _line_starts(data)
    begin = starts[mutant.line - 1] + mutant.col
    end = starts[mutant.end_line - 1] + mutant.end_col
    return (data[:begin] + mutant.replacement.encode("utf-8") + data[end:]).decode("utf-8")


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    for index, byte in enumerate(data):
        if byte == 0x0A:
            starts.append(index + 1)
    return starts


class _Walker(ast.NodeVisitor):
    def __init__(self, source: str, found: list[Mutant]) -> None:
        self.source = source
        self.found = found
        self.scope = "module"
        self.binds: tuple[str, ...] = ()
        self.body_lines: tuple[int, int] | None = None
        self.class_name: tuple[str, ...] = ()  # the enclosing class at import time, if any

    def _add(self, node: ast.AST, operator: str, replacement: str) -> None:
        original = ast.get_source_segment(self.source, node) or ""
        self.found.append(
            Mutant(
                line=node.lineno,  # type: ignore[attr-defined]
                col=node.col_offset,  # type: ignore[attr-defined]
                end_line=node.end_lineno,  # type: ignore[attr-defined]
                end_col=node.end_col_offset,  # type: ignore[attr-defined]
                operator=operator,
                original=original,
                replacement=replacement,
                scope=self.scope,
                binds=self.binds,
                body_lines=self.body_lines,
            )
        )

    # What carries no behaviour, or no exact positions.
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self._statement(node)
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        return  # an annotation

    def _annotation_free(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = (self.scope, self.body_lines)
        self.body_lines = (node.body[0].lineno, node.end_lineno or node.body[-1].lineno)
        for expression in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expression is not None:
                self.visit(expression)
        self.scope, self.body_lines = "function", None
        for statement in _without_docstring(node.body):
            self.visit(statement)
        self.scope, self.body_lines = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._annotation_free(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._annotation_free(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = (self.scope, self.class_name, self.binds, self.body_lines)
        if self.scope != "function":
            # A decorator's arguments (a dataclass's frozen=True) and a field's default reach whoever
            # uses the class: the tests that read its name or run its methods.
            self.scope, self.class_name, self.binds = "class", (node.name,), (node.name,)
            self.body_lines = (node.body[0].lineno, node.end_lineno or node.body[-1].lineno)
        for expression in node.decorator_list:
            self.visit(expression)
        self.binds = outer[2]
        for statement in _without_docstring(node.body):
            self.visit(statement)
        self.scope, self.class_name, self.binds, self.body_lines = outer

    def visit_Module(self, node: ast.Module) -> None:
        for statement in _without_docstring(node.body):
            self.visit(statement)

    def _bound(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = tuple(sub.id for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Name)) + tuple(
            sub.attr for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Attribute)
        )
        outer = self.binds
        # A class attribute (a dataclass field's default) reaches whoever reads it or builds the class.
        self.binds = names + (self.class_name if self.scope == "class" else ()) if self.scope != "function" else ()
        self._statement(node)
        if node.value is not None:
            self.visit(node.value)
        self.binds = outer

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bound(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bound(node)  # the annotation is never visited

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bound(node)

    # The operators.
    def _statement(self, node: ast.stmt) -> None:
        if self.scope == "function" and isinstance(node, _REMOVABLE):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                return  # a bare string or `...`
            self._add(node, "statement_removed", "pass")

    def visit_Expr(self, node: ast.Expr) -> None:
        self._statement(node)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self._statement(node)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if self.scope == "function":
            self._add(node, "return_dropped", "pass")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            for operator, table in (("compare_flip", _NEGATED), ("compare_boundary", _BOUNDARY)):
                other = table.get(type(op))
                if other is not None:
                    ops = list(node.ops)
                    ops[index] = other()
                    changed = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                    self._add(node, operator, "(" + ast.unparse(changed) + ")")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._add(node, "boolop_swap", "(" + ast.unparse(ast.BoolOp(op=other, values=node.values)) + ")")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        other = _ARITHMETIC.get(type(node.op))
        text_operand = any(
            isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        )
        if other is not None and not text_operand:
            changed = ast.BinOp(left=node.left, op=other(), right=node.right)
            self._add(node, "arith_swap", "(" + ast.unparse(changed) + ")")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, "bool_swap", repr(not value))
        elif isinstance(value, int | float):
            self._add(node, "constant_off_by_one", repr(value + 1))


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body
