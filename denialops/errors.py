"""The one error hierarchy of denialops.

Every error the product raises on purpose derives from :class:`DenialopsError`, so the
CLI and the web layer can turn it into one readable line (and a non-zero exit or an
HTTP error) instead of a traceback::

    DenialopsError
    ├── InputError (ValueError)     a value a user typed that cannot be used
    │   ├── AmountError             not an amount of money
    │   ├── CodeError               not a group code + CARC such as CO-50
    │   └── UnknownDimensionError   a --by or filter name that is not a documented cut
    ├── X12Error                    something wrong with an EDI file
    │   ├── X12SyntaxError          a segment/element that cannot be read
    │   │   └── Not835Error         an 837, 270, 277 ... where an 835 belongs (not kept)
    │   └── EnvelopeError           ISA/GS/ST control numbers or counts do not match
    ├── CodeSetError                a code list file that cannot be loaded
    ├── SettingsError               a settings file that is invalid (names file and place)
    │   ├── RulesError              classification rules
    │   ├── PayerProfileError       payer profiles (deadlines, appeal levels)
    │   └── PrioritySettingsError   work-queue priority weights
    ├── StoreError                  database problems worth telling the user about
    │   ├── DatabaseURLError        a --db value that is not a usable URL or path
    │   ├── DatabaseNotFoundError   reading a database that does not exist
    │   ├── DatabaseUnavailable     cannot reach / open the database (server down, ...)
    │   ├── ForeignDatabaseError    an existing database that is not a denialops one
    │   ├── NotFoundError           no such record (case, quarantine item, ...)
    │   └── ConflictError           a concurrent edit lost the race (optimistic lock)
    ├── StateTransitionError        a denial case moved along an edge that does not exist
    ├── AccountError                a user, password, session or API token problem (web)
    ├── DocumentRejected            a file that cannot be attached to a case or enclosed
    ├── UploadRejected              an upload refused before anything was stored (web)
    ├── PlanError                   an action plan that cannot be made as asked
    ├── OutputError                 an output file that cannot be written where asked
    ├── InputLimitError             input refused before it exhausts memory or time
    ├── DateOutOfRange              date arithmetic that would leave the calendar
    └── TemplateError               an appeal template that is broken or incomplete
        └── WrongDocumentError      a document that does not fit the case

:class:`InputError` is also a :class:`ValueError`, so code that caught the ValueError
these used to be keeps working.

Messages never carry patient data (names, member ids, dates of birth): only file
names, positions, control numbers and our own ids.
"""

from __future__ import annotations


class DenialopsError(Exception):
    """Base class of every error denialops raises on purpose."""


FOUND_LIMIT = 40
"""How much of an offending element an X12Error quotes (codes and amounts fit)."""


class InputError(DenialopsError, ValueError):
    """A value given by a user (an option, an argument, a form field) that is not valid."""


class AmountError(InputError):
    """Text that is not an amount of money (X12 R-type: digits, one point, leading minus)."""


class CodeError(InputError):
    """Text that is not an adjustment code (group code and CARC, e.g. ``CO-50``)."""


class UnknownDimensionError(InputError):
    """A --by or filter name that is not one of the documented cuts."""


class X12Error(DenialopsError):
    """An X12 file could not be read as it should be.

    Carries where: the file, the 1-based segment number within the file, the segment
    id, the 1-based element position (0 when the whole segment is at fault), what was
    expected there and, where it helps the analyst, the offending text (``found``: only
    ever codes, amounts, dates or delimiters, never names; cut to 40 characters).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        segment_number: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.segment_number = segment_number
        self.segment_id = segment_id
        self.element = element
        self.expected = expected
        self.found = (
            found if found is None or len(found) <= FOUND_LIMIT else found[:FOUND_LIMIT] + "..."
        )
        super().__init__(self.__str__())

    def label(self) -> str:
        """The failing element and the text found there, e.g. ``SVC01 'HC>55669'``."""
        label = self.segment_id or ""
        if label and self.element:
            label += f"{self.element:02d}"
        if self.found is not None:
            label = f"{label} {self.found!r}" if label else repr(self.found)
        return label

    def where(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.segment_number is not None:
            parts.append(f"segment {self.segment_number}")
        label = self.label()
        if label:
            parts.append(label)
        return ", ".join(parts)

    def detail(self) -> str:
        """The message with the element (and text) that failed, without file and segment."""
        text = self.message
        if self.expected:
            text += f" (expected {self.expected})"
        label = self.label()
        return f"{label}: {text}" if label else text

    def __str__(self) -> str:
        text = self.message
        if self.expected:
            text += f" (expected {self.expected})"
        where = self.where()
        return f"{where}: {text}" if where else text


class X12SyntaxError(X12Error):
    """A segment or element that does not follow the X12 syntax or the 835 layout."""


class Not835Error(X12SyntaxError):
    """A transaction set of another kind (837 claim, 270 eligibility ...) than an 835.

    Its content is never kept (not even in the quarantine): such sets are full of
    patient data that has no business in a remittance store.
    """


class EnvelopeError(X12Error):
    """Interchange, group or transaction envelope that does not agree with itself."""


class CodeSetError(DenialopsError):
    """A code list (CARC, RARC, ...) that cannot be loaded."""


class SettingsError(DenialopsError):
    """A settings file (rules, payer profiles, priority weights) that cannot be used."""


class RulesError(SettingsError):
    """A classification rules file that is invalid; names the file and line."""


class PayerProfileError(SettingsError):
    """A payer profile file that cannot be used; names the file and the problem."""


class PrioritySettingsError(SettingsError):
    """A priority settings file that cannot be used."""


class StoreError(DenialopsError):
    """A database problem worth telling the user about in plain words."""


class DatabaseURLError(StoreError):
    """A ``--db`` value that is not a database URL or path denialops can open."""


class DatabaseNotFoundError(StoreError):
    """A command that only reads was pointed at a database that does not exist."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached or opened (server down, bad password, no access)."""


class ForeignDatabaseError(StoreError):
    """An existing database that is neither empty nor a denialops database; left untouched."""


class NotFoundError(StoreError):
    """No record with that id (a case, a quarantine item, ...)."""


class ConflictError(StoreError):
    """Someone else changed the record since it was read (optimistic locking)."""


class StateTransitionError(DenialopsError):
    """A denial case asked to move along an edge the state machine does not have."""


class DocumentRejected(DenialopsError):
    """A file that cannot be attached to a case or enclosed; the message says why."""


class UploadRejected(DenialopsError):
    """An upload refused before anything was stored; the message says why."""


class AccountError(DenialopsError):
    """A user, role, password or API token that cannot be created or used as asked."""


class PlanError(DenialopsError):
    """An action plan with an unknown root cause or metric, a bad target, or no data."""


class TemplateError(DenialopsError):
    """An appeal letter template that references unknown fields or is incomplete."""


class WrongDocumentError(TemplateError):
    """A document that does not fit the case (an appeal letter for a claim to correct and
    resubmit); the message names the document the case needs and the command for it."""


class OutputError(DenialopsError):
    """An output file that cannot be written where asked (a directory, a missing folder,
    no permission, a full disk); names the path."""


class InputLimitError(DenialopsError):
    """User input refused before it could exhaust memory or time (a YAML alias bomb, an
    over-long template output, a template that runs too long)."""


class DateOutOfRange(DenialopsError):
    """Date arithmetic that would leave the calendar (past year 9999)."""
