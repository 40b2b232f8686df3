"""The few content ids that code relies on, named once here and checked when content loads.

Everything else in the content can change without touching code; these cannot, so
``load_content`` reports a problem (with the file) when the content no longer has one of them.
"""

from typing import Final

from secondopinion.language import DEFAULT_LANGUAGE as _DEFAULT_LANGUAGE
from secondopinion.language import LANGUAGES as _LANGUAGES

DECISION_DATE_FIELD: Final = "decision_date"
"""The intake field (a date) to decide by; the timeline works back from it."""

COMPARISON_OPINIONS: Final = ("first", "second")
"""The two opinions that ``compare.yaml`` names and the store keeps what people wrote about."""

RECORD_STATUSES: Final = ("needed", "requested", "received", "sent")
"""The states of a record, in the order a record goes through them."""

RECORD_NEEDED: Final = RECORD_STATUSES[0]
"""The state of a record nobody has asked for yet."""

DIFFER_CATEGORY: Final = "opinions_differ"
"""The next-steps category of what to do when the opinions differ (shown in steps 4 and 5)."""

FILLED_BY_FIELD: Final = "filled_by"
"""The intake field (one choice) saying who fills the workbook in; items are worded for them."""

PATIENT: Final = "patient"
"""The choice of ``filled_by`` for the patient: items keep their own words."""

PARENT_GUARDIAN: Final = "parent_guardian"
"""The choice of ``filled_by`` for a child's parent or guardian: items' ``for_parent`` words."""

RELATION_FIELD: Final = "relation"
"""The intake field (one choice, optional) saying how a helper is related to the patient; its
choices' ``told_as`` and ``asked_as`` name the patient in every text ("your father")."""

ONCE_ONE_CHOICE: Final = ("treatment_status",)
"""Several-choice fields that once took one choice: a single saved choice is read as a list of one.

Nothing else is converted: for any other field, a single choice id where a list belongs is an error.
"""

# The languages the content comes in: English (the files in ``content/``) first, then each folder
# of ``content/translations/`` the workbook offers. Named once, in ``secondopinion.language``.
LANGUAGES: Final = _LANGUAGES
DEFAULT_LANGUAGE: Final = _DEFAULT_LANGUAGE

PREMISES: Final = (
    "has_disease",
    "disease_confirmed",
    "is_cancer",
    "not_cancer",
    "has_stages",
    "blood_cancer",
    "had_treatment",
    "in_treatment",
    "before_treatment",
    "treatment_ended_well",
    "adult",
    "minor",
    "patient_decides",
    "patient_cannot_decide",
    "helper_filling",
    "at_home",
    "has_insurance",
    "medicare",
    "medicaid",
    "private_plan",
    "military_or_va",
    "pregnant",
    "serious_outlook",
    "time_to_wait",
    "short_on_time",
    "can_travel",
)
"""What a question, record, next step or source may take for granted about the person.

Each is defined in ``content/premises.yaml`` by a rule for when it holds and one for when the
answers contradict it; items list theirs under ``assumes``. The engine never shows an item whose
premise the answers contradict. Every id here must be defined there, and nothing else.
"""

PREMISE_VOICES: Final = {"for_no_disease": "has_disease"}
"""An item's words for a reader whose answers contradict a premise, by the key that holds them.

``for_no_disease``: the words for someone with an inherited risk or a finding being watched, and
no disease. These words come before ``for_helper`` and ``for_parent``, field by field.
"""

READER_VOICES: Final = {
    "for_helper": ("helper_filling",),
    "for_parent": ("helper_filling", "minor"),
}
"""An item's words for a reader who is not the patient (see ``FILLED_BY_FIELD``), with the
premises that hold whenever they are read: those words may rely on them without declaring them."""
