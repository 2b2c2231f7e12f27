"""The fixed vocabulary of DESIGN.md: identity fields, source kinds, legal bases, system names."""

IDENTITY_FIELDS: tuple[str, ...] = (
    "full_name",
    "given_name",
    "surname",
    "date_of_birth",
    "email",
    "phone",
    "street",
    "city",
    "postcode",
    "region",
    "country",
    "company",
    "company_domain",
)

# Fields that describe an organisation rather than a person: the only ones an
# `entity: organisation` source is compared on (a customer's home postcode says nothing
# about where their employer is registered).
ORGANISATION_FIELDS: frozenset[str] = frozenset({"company", "company_domain", "country"})

SOURCE_KINDS: tuple[str, ...] = ("first_party", "purchased", "public")

LEGAL_BASES: tuple[str, ...] = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)

# Provenance of a value set by the data subject through `correct` (rectification).
SUBJECT_REQUEST = "subject_request"
