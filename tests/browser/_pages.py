"""The page helpers of ``harness.pages``, under the name the browser tests import them by."""

from harness.pages import (
    COMPARE,
    EXPORT,
    INTAKE,
    NEXT_STEPS,
    QUESTIONS,
    RECORDS,
    STEPS,
    kernel_id,
    kernel_process,
    open_step,
    private_link,
    question_ids,
    stored,
    token_of,
    wait_until,
)

__all__ = [
    "COMPARE",
    "EXPORT",
    "INTAKE",
    "NEXT_STEPS",
    "QUESTIONS",
    "RECORDS",
    "STEPS",
    "kernel_id",
    "kernel_process",
    "open_step",
    "private_link",
    "question_ids",
    "stored",
    "token_of",
    "wait_until",
]
