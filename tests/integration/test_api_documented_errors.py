"""The OpenAPI document describes what the API really sends (both found by tests/fuzz).

Errors: the document described flask-smorest's default error
(`code` integer, `status`, `errors`, nothing else allowed) while every error answer is
`{"error": {"code", "message", "fields"}}`, so a client generated from the document
would reject every error it was sent. Files: the summary report with format=csv|xlsx
answers a file, while the document promised JSON only.
"""

from __future__ import annotations


def _document(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_error_schema_is_the_contract_envelope(api_as):
    schemas = _document(api_as("caseworker"))["components"]["schemas"]
    error = schemas["Error"]
    assert error["required"] == ["error"]
    detail = schemas[error["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert set(detail["required"]) == {"code", "message", "fields"}
    assert detail["properties"]["fields"]["additionalProperties"]["type"] == "array"
    assert "allowed" in detail["properties"]


def test_every_documented_error_response_uses_it(api_as):
    document = _document(api_as("caseworker"))
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY", "RATE_LIMITED"):
        content = document["components"]["responses"][name]["content"]
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_an_error_answer_has_exactly_the_documented_keys(api_as):
    body = api_as("caseworker").get("/api/v1/beneficiaries/999999").get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "not_found"


def test_the_summary_report_documents_json_and_its_files(api_as):
    api = api_as("partner")
    operation = _document(api)["paths"]["/api/v1/reports/summary"]["get"]
    documented = set(operation["responses"]["200"]["content"])
    for file_format in ("json", "csv", "xlsx"):
        response = api.get(f"/api/v1/reports/summary?group_by=sex&format={file_format}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] in documented, response.headers["Content-Type"]
