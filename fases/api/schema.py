"""The error answers every operation may give, added to the schema so that a client (and
schemathesis) knows their shape: ``{"detail": …}``, or field errors for a 400."""

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each field's errors (non_field_errors for the request as a whole), "
    "or a detail.",
    "additionalProperties": True,
}
ERRORS = {
    "400": ("Invalid input: the errors by field, in the caller's language.", FIELD_ERRORS),
    "401": ("No credentials, or an invalid or revoked token.", DETAIL),
    "403": ("Not allowed: a read-only token writing, or the person may not do it.", DETAIL),
    "404": ("No such object, or one the person may not see; or no such page.", DETAIL),
    "429": ("Too many requests: try again later.", DETAIL),
}


def add_error_responses(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    },
                )
    return result
