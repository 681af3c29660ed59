"""Human names, in the reader's language, for the bank's codes (domains, competences, types, statuses)."""

from __future__ import annotations

from contest.i18n import gettext, lazy
from questions.models import Status

DOMAINS = {
    1: lazy("Data and information"),
    2: lazy("Communication and collaboration"),
    3: lazy("Digital content creation"),
    4: lazy("Safety"),
    5: lazy("Problem solving"),
    6: lazy("Artificial intelligence"),
}
COMPETENCES = {
    "1.1": lazy("Searching and filtering"), "1.2": lazy("Evaluating reliability"), "1.3": lazy("Managing data and content"),
    "2.1": lazy("Interacting"), "2.2": lazy("Sharing"), "2.3": lazy("Digital citizenship"), "2.4": lazy("Collaborating"),
    "2.5": lazy("Netiquette"), "2.6": lazy("Managing digital identity"),
    "3.1": lazy("Creating content"), "3.2": lazy("Integrating and re-working"), "3.3": lazy("Copyright and licences"),
    "3.4": lazy("Programming"),
    "4.1": lazy("Protecting devices"), "4.2": lazy("Personal data and privacy"), "4.3": lazy("Health and well-being"),
    "4.4": lazy("Protecting the environment"),
    "5.1": lazy("Solving technical problems"), "5.2": lazy("Choosing tools"), "5.3": lazy("Using technology creatively"),
    "5.4": lazy("Knowing one's gaps"),
    "6.1": lazy("Using AI tools"), "6.2": lazy("Judging AI output"), "6.3": lazy("Ethics and safety of AI"),
}
TYPES = {
    "single_choice": lazy("Single choice"), "multiple_response": lazy("Multiple response"),
    "true_false": lazy("True or false"), "short_text": lazy("Short answer"), "numeric": lazy("Number"),
    "ordering": lazy("Ordering"), "matching": lazy("Matching"),
}
DIFFICULTIES = {"easy": lazy("Easy"), "medium": lazy("Medium"), "hard": lazy("Hard")}
STATUSES = {Status.DRAFT: lazy("Draft"), Status.IN_REVIEW: lazy("In review"), Status.APPROVED: lazy("Approved"),
            Status.RETIRED: lazy("Retired")}
LANGUAGES = {"vi": lazy("Vietnamese"), "en": lazy("English")}
TRANSITION_LABELS = {"submit": lazy("Submit for review"), "approve": lazy("Approve"), "send_back": lazy("Send back"),
                     "retire": lazy("Retire"), "reopen": lazy("Reopen as draft")}


def _namer(table: dict):
    def name(code) -> str:
        return gettext(table[code]) if code in table else str(code)

    return name


TEMPLATE_GLOBALS = {
    "domain_name": _namer(DOMAINS),
    "competence_name": _namer(COMPETENCES),
    "type_name": _namer(TYPES),
    "difficulty_name": _namer(DIFFICULTIES),
    "status_name": _namer(STATUSES),
    "language_name": _namer(LANGUAGES),
    "transition_name": _namer(TRANSITION_LABELS),
}
