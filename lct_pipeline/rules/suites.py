"""The rules of SPEC §5, generated from the catalogue and the registry, as GX suites.

Each rule is plain data (``Rule``): the expectation that checks it, the reason code
a failing row gets and the message the CSO reads. Rules come in the order of
precedence, per record type and stage:

- *row rules* judge each row on its own (duplicates are a helper column);
- *slice rules* run on the rows that passed: totals against their accepted
  detail rows, and every warning.

``build_suite`` turns rules into a Great Expectations suite; GX is imported there
only, because importing it takes seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lct_pipeline import periods
from lct_pipeline.contract import COMMENT_LIMIT, DIMENSION_COLUMNS, REQUIRED
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.periods import quarter_number
from lct_pipeline.reference import TOTAL, Reference
from lct_pipeline.rules.cross_row import CONSISTENCY, OUTLIER_FACTOR, OUTLIER_FLOOR
from lct_pipeline.rules.precedence import REJECTION, REJECTIONS, WARNING, WARNINGS

_LISTED = 20  # codes listed in a message; beyond that the message points to the reference


@dataclass(frozen=True)
class Rule:
    """One expectation, and what a row that fails it means to the CSO."""

    reason_code: str
    column: str  # the file's column the problem is reported in
    expectation: str  # a class of great_expectations.expectations
    arguments: Mapping[str, Any]  # the expectation's columns and bounds
    description: str  # the rule in a sentence, shown in Data Docs
    # To the CSO, in their language (lct_pipeline.i18n): its own arguments, and
    # {value} for the reported cell as typed, {name} for any column of the row.
    message: Msg
    severity: str = REJECTION
    # A helper column naming the reported column row by row, where it varies ('column'
    # is the fallback).
    column_from: str | None = None

    def __post_init__(self) -> None:
        codes = REJECTIONS if self.severity == REJECTION else WARNINGS
        if self.reason_code not in codes:
            raise ValueError(f"{self.reason_code} is not a {self.severity} reason code")


def _codes(codes: Sequence[object]) -> str:
    listed = ", ".join(str(code) for code in codes[:_LISTED])
    return listed + (", ... (see the reference data)" if len(codes) > _LISTED else "")


def _listed(codes: Sequence[object]) -> str | Msg:
    """``_codes`` for a message: the codes, and in the CSO's words where the list is cut."""
    listed = ", ".join(str(code) for code in codes[:_LISTED])
    if len(codes) <= _LISTED:
        return listed
    return Msg(N_("{codes}, ... (see the reference data)"), {"codes": listed})


def _in_set(
    reason: str,
    column: str,
    helper: str,
    allowed: Sequence[object],
    description: str | None = None,
    message: Msg | None = None,
) -> Rule:
    return Rule(
        reason,
        column,
        "ExpectColumnValuesToBeInSet",
        {"column": helper, "value_set": list(allowed)},
        description or f"{column} is one of {_codes(allowed)}",
        message
        or Msg(
            N_("{column} '{value}' is not one of {codes}."),
            {"column": column, "codes": _listed(allowed)},
        ),
    )


def _between(
    reason: str,
    column: str,
    helper: str,
    description: str,
    message: Msg,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Rule:
    bounds = {"min_value": minimum, "max_value": maximum}
    return Rule(
        reason,
        column,
        "ExpectColumnValuesToBeBetween",
        {"column": helper, **{k: v for k, v in bounds.items() if v is not None}},
        description,
        message,
    )


def _not_null(reason: str, column: str, helper: str, description: str, message: Msg) -> Rule:
    return Rule(
        reason, column, "ExpectColumnValuesToNotBeNull", {"column": helper}, description, message
    )


def _at_most(
    reason: str,
    column: str,
    larger: str,
    smaller: str,
    description: str,
    message: Msg,
    severity: str = REJECTION,
) -> Rule:
    """Where both helper columns hold a number, ``smaller`` may not exceed ``larger``."""
    arguments = {
        "column_A": larger,
        "column_B": smaller,
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }
    return Rule(
        reason,
        column,
        "ExpectColumnPairValuesAToBeGreaterThanB",
        arguments,
        description,
        message,
        severity,
    )


_MISSING = N_("{column} is empty; every row needs it.")
_MISSING_WITH_HINT = {
    "value": N_(
        "{column} is empty; every row needs it. Write 0 if there were none: an empty cell is"
        " missing data."
    ),
    "period": N_("{column} is empty; every row needs it. Write the quarter, e.g. 2013Q1."),
    "due_period": N_(
        "{column} is empty; every row needs it. Write the quarter the measure is due, e.g. 2013Q4."
    ),
}


def _required(record_type: str) -> list[Rule]:
    return [
        _not_null(
            "MISSING_VALUE",
            column,
            column,
            f"{column} is given",
            Msg(_MISSING_WITH_HINT.get(column, _MISSING), {"column": column}),
        )
        for column in REQUIRED[record_type]
    ]


def _quarter(column: str, helper: str) -> list[Rule]:
    """A readable quarter, not before the programme (BAD_PERIOD)."""
    start = periods.PROGRAMME_START
    return [
        _not_null(
            "BAD_PERIOD",
            column,
            helper,
            f"{column} is a quarter such as 2013Q1",
            Msg(
                N_(
                    "{column} '{value}' is not a quarter; write it as 2013Q1 (or 2013-Q1, Q1 2013)."
                ),
                {"column": column},
            ),
        ),
        _between(
            "BAD_PERIOD",
            column,
            helper,
            f"{column} is {start} or later (quarters as numbers: {quarter_number(start)})",
            Msg(
                N_("{column} '{value}' is before {start}, the programme's first quarter."),
                {"column": column, "start": start},
            ),
            minimum=quarter_number(start),
        ),
    ]


def _organisation_and_period(reference: Reference, current: str) -> list[Rule]:
    """UNKNOWN_ORG, BAD_PERIOD, FUTURE_PERIOD and ORG_INACTIVE, from the registry."""
    orgs = sorted(reference.organisations)
    rules = [
        _in_set(
            "UNKNOWN_ORG",
            "org_code",
            "org",
            orgs,
            description=f"org_code is an organisation of the registry ({_codes(orgs)})",
            message=Msg(
                N_(
                    "org_code '{value}' is not in the organisation registry; use your"
                    " organisation's code ({codes})."
                ),
                {"codes": _listed(orgs)},
            ),
        ),
        *_quarter("period", "period_number"),
        _between(
            "FUTURE_PERIOD",
            "period",
            "period_number",
            f"period is not after the current quarter {current} ({quarter_number(current)})",
            Msg(
                N_(
                    "{column} '{value}' is after the current quarter {current}; a quarter is"
                    " reported once it has begun."
                ),
                {"current": current},
            ),
            maximum=quarter_number(current),
        ),
    ]
    # The registry's spans of activity are helper columns of each row (prepare), so the
    # suite has two rules however many organisations the registry holds.
    late = [
        f"{o.code} from {o.active_from}"
        for o in reference.organisations.values()
        if o.active_from > periods.PROGRAMME_START
    ]
    ended = [f"{o.code} to {o.active_to}" for o in reference.organisations.values() if o.active_to]
    not_yet = Msg(N_("{org} is active from {active_from} and cannot report {period_norm}."))
    ended_then = Msg(N_("{org} reported until {active_to} and cannot report {period_norm}."))
    rules += [
        _at_most(
            "ORG_INACTIVE",
            "period",
            "period_number",
            "active_from_number",
            "period is not before the organisation's first active quarter"
            f" (registry: {_codes(late) or f'all from {periods.PROGRAMME_START}'})",
            not_yet,
        ),
        _at_most(
            "ORG_INACTIVE",
            "period",
            "active_to_number",
            "period_number",
            "period is not after the organisation's last active quarter"
            f" (registry: {_codes(ended) or 'none has ended'})",
            ended_then,
        ),
    ]
    return rules


def _dimensions(reference: Reference) -> list[Rule]:
    """BAD_DIMENSION: a known member, and only in a dimension the element uses."""
    elements = reference.data_elements.values()
    rules = []
    for name in DIMENSION_COLUMNS:
        members = reference.dimensions[name].members
        rules.append(
            _in_set(
                "BAD_DIMENSION",
                name,
                f"{name}_code",
                [*members, TOTAL],
                message=Msg(
                    N_("{column} '{value}' is not one of {codes}."),
                    {"column": name, "codes": _listed(members)},
                ),
            )
        )
        without = sorted(e.code for e in elements if name not in e.dimensions)
        if without:
            rules.append(
                Rule(
                    "BAD_DIMENSION",
                    name,
                    "ExpectColumnValuesToBeNull",
                    {"column": f"{name}_unused"},
                    f"{name} is empty or {TOTAL} for {_codes(without)}",
                    Msg(
                        N_(
                            "{element} is not broken down by {column}; leave {column} empty"
                            " (it holds '{value}')."
                        ),
                        {"column": name},
                    ),
                )
            )
    return rules


def _disaggregation(reference: Reference) -> Rule:
    """INCOMPLETE_DISAGGREGATION: all of an element's dimensions, or none (a total row)."""
    broken_down = [
        f"{e.code} by {', '.join(e.dimensions)}"
        for e in reference.data_elements.values()
        if len(e.dimensions) > 1  # with one dimension a row is always one or the other
    ]
    return Rule(
        "INCOMPLETE_DISAGGREGATION",
        "data_element",
        "ExpectColumnPairValuesToBeEqual",
        {
            "column_A": "detail_dims_given",
            "column_B": "dims_needed",
            "ignore_row_if": "either_value_is_missing",
        },
        f"a detail row gives every dimension of its element ({'; '.join(broken_down)})",
        Msg(
            N_(
                "{element} needs all of {element_dimensions} on a detail row, or none of them"
                " on a total row; {column} is empty."
            )
        ),
        column_from="first_blank_dimension",
    )


def _count(reference: Reference) -> list[Rule]:
    """NOT_A_NUMBER, NEGATIVE_VALUE, NOT_INTEGER and IMPLAUSIBLE_VALUE of a count."""
    rules = [
        _not_null(
            "NOT_A_NUMBER",
            "value",
            "value_number",
            "value is a number (decimal comma or point)",
            Msg(
                N_("{column} '{value}' is not a number{hint}; write the count in digits, e.g. 12.")
            ),
        ),
        _between(
            "NEGATIVE_VALUE",
            "value",
            "value_number",
            "value is 0 or more",
            Msg(N_("{column} '{value}' is negative; a count is 0 or more.")),
            minimum=0,
        ),
        _between(
            "NOT_INTEGER",
            "value",
            "value_fraction",
            "value is a whole number (its fraction is 0)",
            Msg(
                N_(
                    "{column} '{value}' is not a whole number; {element} counts whole persons or"
                    " events."
                )
            ),
            minimum=0,
            maximum=0,
        ),
    ]
    maxima = [f"{e.code} {e.max:g}" for e in reference.data_elements.values()]
    rules.append(
        _at_most(
            "IMPLAUSIBLE_VALUE",
            "value",
            "element_max",
            "value_number",
            f"value is at most its element's largest plausible value ({_codes(maxima)})",
            Msg(
                N_(
                    "{column} '{value}' is above {element_max}, the largest plausible {element} of"
                    " one row; check it for a typing error."
                )
            ),
        )
    )
    return rules


def _duplicates(what: str) -> Rule:
    return _between(
        "DUPLICATE_CONFLICT",
        "value" if what == "values" else "measure_code",
        "key_versions",
        f"no two rows of a slice give the same {what} key with different content",
        Msg(
            N_(
                "rows {key_rows} give {key_label} with different content ({key_values}); keep"
                " one row and send the file again."
            )
        ),
        maximum=1,
    )


def _personal_data(column: str) -> Rule:
    return Rule(
        "PERSONAL_DATA_REMOVED",
        column,
        "ExpectColumnValuesToBeNull",
        {"column": "redacted"},
        f"{column} holds no personal data (JMBG, e-mail, phone number)",
        Msg(
            N_(
                "personal data ({redacted}) was removed before the row was stored; never write"
                " personal numbers, e-mail addresses or phone numbers in a file."
            )
        ),
        severity=WARNING,
        column_from="redacted_column",
    )


def _not_stored(record_type: str) -> Rule:
    message = (
        N_(
            "{ignored}: not a column of the values table, so nothing typed there (in this row"
            " or below) was stored; move what it holds to comment, or use the template's header."
        )
        if record_type == "values"
        else N_(
            "{ignored}: not a column of the measures table, so nothing typed there (in this"
            " row or below) was stored; leave it out, or use the template's header."
        )
    )
    return Rule(
        "COLUMN_NOT_STORED",
        "ignored",
        "ExpectColumnValuesToBeNull",
        {"column": "ignored"},
        f"every filled cell is in a column of the {record_type} table",
        Msg(message),
        severity=WARNING,
        column_from="ignored_column",
    )


def values_row_rules(reference: Reference, current: str) -> list[Rule]:
    """The values rules that judge each row on its own, in the order of precedence."""
    elements = sorted(reference.data_elements)
    return [
        *_required("values"),
        *_organisation_and_period(reference, current),
        _in_set(
            "UNKNOWN_DATA_ELEMENT",
            "data_element",
            "element",
            elements,
            description=f"data_element is in the catalogue ({_codes(elements)})",
            message=Msg(
                N_("data_element '{value}' is not in the catalogue; use one of {codes}."),
                {"codes": _listed(elements)},
            ),
        ),
        *_dimensions(reference),
        _disaggregation(reference),
        *_count(reference),
        _duplicates("values"),
        _not_stored("values"),
    ]


def values_slice_rules(reference: Reference) -> list[Rule]:
    """The values rules on the rows that passed the row rules: totals and warnings."""
    rules = [
        Rule(
            "TOTAL_MISMATCH",
            "value",
            "ExpectColumnPairValuesToBeEqual",
            {
                "column_A": "value_number",
                "column_B": "detail_sum",
                "ignore_row_if": "either_value_is_missing",
            },
            "a total row equals the sum of its slice's accepted detail rows",
            Msg(
                N_(
                    "the total row gives {value} but the detail rows of {element} add up to"
                    " {detail_sum}; correct the total or the detail rows (the detail rows were"
                    " kept)."
                )
            ),
        ),
        _at_most(
            "OUTLIER",
            "value",
            "outlier_limit",
            "value_number",
            f"value is at most max({OUTLIER_FLOOR}, {OUTLIER_FACTOR} × the largest value of the"
            " same org, element and dimensions in the four previous quarters)",
            Msg(
                N_(
                    "{column} {value} is above {outlier_limit}, the most expected from {key_label}"
                    " after the four previous quarters (largest: {history_max}); check that it"
                    " is right."
                )
            ),
            severity=WARNING,
        ),
    ]
    for check in CONSISTENCY:
        if {check.smaller, check.larger} <= set(reference.data_elements):
            rules.append(
                _at_most(
                    check.reason_code,
                    "value",
                    check.larger_column,
                    check.smaller_column,
                    f"in a slice, {check.smaller} is at most {check.larger}",
                    Msg(check.message),
                    severity=WARNING,
                )
            )
    rules += [
        Rule(
            "COMMENT_TRUNCATED",
            "comment",
            "ExpectColumnValueLengthsToBeBetween",
            {"column": "comment", "max_value": COMMENT_LIMIT},
            f"comment is at most {COMMENT_LIMIT} characters",
            Msg(
                N_(
                    "the comment is longer than {limit} characters; only the first {limit} were"
                    " kept."
                ),
                {"limit": COMMENT_LIMIT},
            ),
            severity=WARNING,
        ),
        _personal_data("comment"),
    ]
    return rules


def measures_row_rules(reference: Reference, current: str) -> list[Rule]:
    """The measures rules that judge each row on its own, in the order of precedence."""
    institutions = reference.dimensions["institution"].members
    rules = [
        *_required("measures"),
        *_organisation_and_period(reference, current),
        *_quarter("due_period", "due_period_number"),
        _in_set("BAD_DIMENSION", "responsible_institution", "institution_code", institutions),
        _in_set("BAD_STATUS", "status", "status_code", reference.measure_statuses),
    ]
    for column, helper in (("planned_budget_eur", "planned"), ("spent_budget_eur", "spent")):
        rules.append(
            _not_null(
                "NOT_A_NUMBER",
                column,
                f"{helper}_number",
                f"{column} is a number (decimal comma or point)",
                Msg(
                    N_(
                        "{column} '{value}' is not a number{hint}; write the amount in euros in"
                        " digits, e.g. 1250,50."
                    ),
                    {"column": column},
                ),
            )
        )
    for column, helper in (("planned_budget_eur", "planned"), ("spent_budget_eur", "spent")):
        rules.append(
            _between(
                "NEGATIVE_VALUE",
                column,
                f"{helper}_number",
                f"{column} is 0 or more",
                Msg(
                    N_("{column} '{value}' is negative; an amount is 0 or more."),
                    {"column": column},
                ),
                minimum=0,
            )
        )
    rules += [_duplicates("measures"), _not_stored("measures")]
    return rules


def measures_slice_rules() -> list[Rule]:
    """The measures warnings, on the rows that passed the row rules."""
    return [
        _at_most(
            "OVERSPENT",
            "spent_budget_eur",
            "planned_number",
            "spent_number",
            "spent_budget_eur is at most planned_budget_eur",
            Msg(
                N_(
                    "spent_budget_eur {value} is more than planned_budget_eur"
                    " {planned_budget_eur}; check both amounts."
                )
            ),
            severity=WARNING,
        ),
        _personal_data("measure_title"),
    ]


def build_suite(name: str, rules: Sequence[Rule], first: int = 0):
    """The GX suite of ``rules``; each expectation's meta names its reason and rule number."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name)
    for number, rule in enumerate(rules, start=first):
        expectation = getattr(gx.expectations, rule.expectation)(
            **rule.arguments,
            description=f"{rule.reason_code}: {rule.description}",
            severity="warning" if rule.severity == WARNING else "critical",
            meta={
                "reason_code": rule.reason_code,
                "severity": rule.severity,
                "column": rule.column,
                "rule": number,
            },
        )
        suite.add_expectation(expectation)
    return suite
