"""The service-provider directory: /api/v1/providers, its pages, and the demo directory.

DESIGN.md (Access, Contracts: providers) and issue 4: admins maintain the directory (name,
kind, services, districts served, contact, active); caseworkers search it by service and
district when referring; inactive providers are hidden unless asked for; edits carry a
`version` and a stale one is refused; partners see nothing of it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework import demo
from casework.extensions import db
from casework.models import AuditEvent, Provider
from casework.services import providers
from tests.pages import field_errors, filled, form_with, table_rows

KATHMANDU, LALITPUR, JHAPA, MORANG = 27, 29, 4, 5
STALE_MESSAGE = "This record was changed by someone else since you opened it."


# --- helpers ------------------------------------------------------------------------------


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def add(name, services, districts, kind="ngo", active=True, contact="") -> int:
    provider = providers.create(
        None,
        {
            "name": name,
            "kind": kind,
            "services": list(services),
            "district_ids": list(districts),
            "contact": contact,
            "active": active,
        },
    )
    db.session.commit()
    return provider.id


@pytest.fixture
def directory():
    """A small directory: who offers what, where."""
    return {
        "tpo": add("TPO Nepal", ["psychosocial"], [KATHMANDU, JHAPA]),
        "bir": add("Bir Hospital", ["medical"], [KATHMANDU], kind="health_facility"),
        "koshi": add("Koshi Hospital", ["medical", "psychosocial"], [MORANG, JHAPA]),
        "legal": add("Legal Aid Centre", ["legal_aid"], [LALITPUR], kind="legal_aid"),
        "closed": add("Closed Clinic", ["medical"], [KATHMANDU], active=False),
    }


def names(response) -> list[str]:
    return [p["name"] for p in ok(response)["items"]]


def reload(provider_id: int) -> Provider:
    db.session.expire_all()
    return db.session.get(Provider, provider_id)


def provider_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Provider))


def new_body(**overrides) -> dict:
    data = {
        "name": "Shakti Samuha",
        "kind": "ngo",
        "services": ["psychosocial", "livelihood"],
        "district_ids": [KATHMANDU, JHAPA],
        "contact": "01-4478501, focal person: Sunita",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- searching through the API ----------------------------------------------------------


def test_list_is_active_providers_by_name(api_as, directory):
    worker = api_as("caseworker")
    listed = ok(worker.get("/api/v1/providers"))
    assert [p["name"] for p in listed["items"]] == [
        "Bir Hospital",
        "Koshi Hospital",
        "Legal Aid Centre",
        "TPO Nepal",
    ]
    assert (listed["total"], listed["page"], listed["per_page"]) == (4, 1, 25)
    tpo = next(p for p in listed["items"] if p["name"] == "TPO Nepal")
    assert tpo == {
        "id": directory["tpo"],
        "name": "TPO Nepal",
        "kind": "ngo",
        "services": ["psychosocial"],
        "district_ids": [JHAPA, KATHMANDU],
        "contact": "",
        "active": True,
        "version": 1,
    }


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("medical", ["Bir Hospital", "Koshi Hospital"]),
        ("psychosocial", ["Koshi Hospital", "TPO Nepal"]),
        ("legal_aid", ["Legal Aid Centre"]),
        ("shelter", []),
    ],
)
def test_search_by_service(api_as, directory, service, expected):
    worker = api_as("caseworker")
    assert names(worker.get(f"/api/v1/providers?service={service}")) == expected


def test_unknown_service_in_search_is_422(api_as, directory):
    worker = api_as("caseworker")
    assert "service" in error(worker.get("/api/v1/providers?service=dentistry"), 422)["fields"]


STRICT_QUERY_ID = (
    "?district_id=N is always 422 'Not a valid integer': ProviderQuerySchema.district_id in "
    "casework/blueprints/api/referrals.py is Id() (strict=True), which refuses the string a "
    "query parameter always is"
)


@pytest.mark.parametrize(
    ("district_id", "expected"),
    [
        (KATHMANDU, ["Bir Hospital", "TPO Nepal"]),
        (JHAPA, ["Koshi Hospital", "TPO Nepal"]),
        (LALITPUR, ["Legal Aid Centre"]),
        (MORANG, ["Koshi Hospital"]),
    ],
)
def test_search_by_district(api_as, directory, district_id, expected):
    worker = api_as("caseworker")
    assert names(worker.get(f"/api/v1/providers?district_id={district_id}")) == expected


def test_search_by_service_and_district(api_as, directory):
    worker = api_as("caseworker")
    url = "/api/v1/providers?service=psychosocial&district_id={}"
    assert names(worker.get(url.format(KATHMANDU))) == ["TPO Nepal"]
    assert names(worker.get(url.format(MORANG))) == ["Koshi Hospital"]
    assert names(worker.get(url.format(LALITPUR))) == []


@pytest.mark.parametrize(
    ("service", "district_id", "expected"),
    [
        (None, KATHMANDU, ["Bir Hospital", "TPO Nepal"]),
        (None, MORANG, ["Koshi Hospital"]),
        ("psychosocial", KATHMANDU, ["TPO Nepal"]),
        ("psychosocial", JHAPA, ["Koshi Hospital", "TPO Nepal"]),
        ("medical", JHAPA, ["Koshi Hospital"]),
        ("legal_aid", KATHMANDU, []),
    ],
)
def test_search_service_by_service_and_district(
    make_user, directory, service, district_id, expected
):
    """What the API and the pages ask of the service (the API's district filter: above)."""
    worker = make_user("caseworker")
    found, total = providers.search(
        worker, providers.ProviderFilters(service=service, district_id=district_id)
    )
    assert [p.name for p in found] == expected
    assert total == len(expected)


def test_inactive_hidden_unless_asked(api_as, directory):
    worker = api_as("caseworker")
    assert "Closed Clinic" not in names(worker.get("/api/v1/providers"))
    assert "Closed Clinic" not in names(worker.get("/api/v1/providers?service=medical"))
    everyone = names(worker.get("/api/v1/providers?include_inactive=true"))
    assert everyone == [
        "Bir Hospital",
        "Closed Clinic",
        "Koshi Hospital",
        "Legal Aid Centre",
        "TPO Nepal",
    ]
    with_inactive = names(worker.get("/api/v1/providers?service=medical&include_inactive=true"))
    assert with_inactive == ["Bir Hospital", "Closed Clinic", "Koshi Hospital"]
    # Inactive ones can still be read one by one (old referrals name them).
    closed = ok(worker.get(f"/api/v1/providers/{directory['closed']}"))
    assert closed["active"] is False


def test_search_by_name(api_as, directory):
    worker = api_as("caseworker")
    assert names(worker.get("/api/v1/providers?q=hospital")) == ["Bir Hospital", "Koshi Hospital"]
    assert names(worker.get("/api/v1/providers?q=%25")) == []  # a literal %, not a wildcard


def test_paging(api_as, directory):
    worker = api_as("caseworker")
    second = ok(worker.get("/api/v1/providers?per_page=3&page=2"))
    assert [p["name"] for p in second["items"]] == ["TPO Nepal"]
    assert (second["total"], second["page"], second["per_page"]) == (4, 2, 3)


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "admin"])
def test_staff_read_a_provider(api_as, directory, role):
    client = api_as(role, office="DMK")
    assert ok(client.get(f"/api/v1/providers/{directory['bir']}"))["name"] == "Bir Hospital"


def test_unknown_provider_is_404(api_as):
    assert error(api_as("caseworker").get("/api/v1/providers/987654"), 404)["code"] == "not_found"


# --- maintaining the directory through the API --------------------------------------------


def test_admin_creates_a_provider(api_as):
    admin = api_as("admin")
    created = ok(admin.post("/api/v1/providers", json=new_body()), 201)
    assert created["name"] == "Shakti Samuha"
    assert created["kind"] == "ngo"
    assert created["services"] == ["livelihood", "psychosocial"]
    assert created["district_ids"] == [JHAPA, KATHMANDU]
    assert created["contact"] == "01-4478501, focal person: Sunita"
    assert created["active"] is True
    assert created["version"] == 1
    assert ok(admin.get(f"/api/v1/providers/{created['id']}")) == created
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.create"))
    assert (event.object_id, event.user_id) == (str(created["id"]), admin.user.id)
    # Caseworkers find it at once.
    worker = api_as("caseworker")
    assert names(worker.get("/api/v1/providers?service=livelihood")) == ["Shakti Samuha"]


def test_name_is_tidied(api_as):
    admin = api_as("admin")
    created = ok(admin.post("/api/v1/providers", json=new_body(name="  Shakti   Samuha ")), 201)
    assert created["name"] == "Shakti Samuha"


def test_admin_may_create_an_inactive_provider(api_as):
    admin = api_as("admin")
    created = ok(admin.post("/api/v1/providers", json=new_body(active=False)), 201)
    assert created["active"] is False
    assert names(api_as("caseworker").get("/api/v1/providers")) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"services": ["psychosocial", "dentistry"]}, "services"),
        ({"services": []}, "services"),
        ({"services": None}, "services"),
        ({"district_ids": [KATHMANDU, 999]}, "district_ids"),
        ({"district_ids": [0]}, "district_ids"),
        ({"district_ids": []}, "district_ids"),
        ({"district_ids": ["27"]}, "district_ids"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "church"}, "kind"),
        ({"kind": None}, "kind"),
        ({"contact": "x" * 2001}, "contact"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(api_as, overrides, field):
    admin = api_as("admin")
    refused = error(admin.post("/api/v1/providers", json=new_body(**overrides)), 422)
    assert refused["code"] == "invalid"
    assert field in refused["fields"], refused
    assert all(m.strip() for m in refused["fields"][field])
    assert provider_count() == 0


def test_create_names_every_bad_field_at_once(api_as):
    admin = api_as("admin")
    body = new_body(name=" ", district_ids=[999])
    assert set(error(admin.post("/api/v1/providers", json=body), 422)["fields"]) == {
        "name",
        "district_ids",
    }


def test_admin_patches_with_the_current_version(api_as, directory):
    admin = api_as("admin")
    url = f"/api/v1/providers/{directory['tpo']}"
    change = {"version": 1, "contact": "01-4431717", "services": ["psychosocial", "legal_aid"]}
    patched = ok(admin.patch(url, json=change))
    assert patched["services"] == ["legal_aid", "psychosocial"]
    assert patched["contact"] == "01-4431717"
    assert patched["name"] == "TPO Nepal"  # what was not sent stays
    assert patched["district_ids"] == [JHAPA, KATHMANDU]
    assert patched["version"] == 2
    provider = reload(directory["tpo"])
    assert (provider.service_codes, provider.version) == (["legal_aid", "psychosocial"], 2)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.update"))
    assert event.changes["services"] == [["psychosocial"], ["legal_aid", "psychosocial"]]
    assert event.user_id == admin.user.id
    worker = api_as("caseworker")
    assert "TPO Nepal" in names(worker.get("/api/v1/providers?service=legal_aid"))


def test_stale_patch_is_409_and_changes_nothing(api_as, directory):
    admin = api_as("admin")
    url = f"/api/v1/providers/{directory['tpo']}"
    ok(admin.patch(url, json={"version": 1, "contact": "01-4431717"}))
    refused = error(admin.patch(url, json={"version": 1, "name": "TPO"}), 409)
    assert refused["code"] == "stale_version"
    provider = reload(directory["tpo"])
    assert (provider.name, provider.contact, provider.version) == ("TPO Nepal", "01-4431717", 2)
    assert ok(admin.patch(url, json={"version": 2, "name": "TPO"}))["name"] == "TPO"


@pytest.mark.parametrize(
    "change", [{"services": ["medical"]}, {"district_ids": [LALITPUR]}], ids=["services", "dist"]
)
def test_change_of_services_or_districts_only_makes_older_versions_stale(api_as, directory, change):
    admin = api_as("admin")
    url = f"/api/v1/providers/{directory['tpo']}"
    assert ok(admin.patch(url, json={"version": 1, **change}))["version"] == 2
    refused = error(admin.patch(url, json={"version": 1, "services": ["cash"]}), 409)
    assert refused["code"] == "stale_version"


def test_patch_needs_a_version(api_as, directory):
    admin = api_as("admin")
    refused = error(admin.patch(f"/api/v1/providers/{directory['tpo']}", json={"name": "X"}), 422)
    assert "version" in refused["fields"]
    assert reload(directory["tpo"]).name == "TPO Nepal"


def test_deactivating_hides_it_from_search(api_as, directory):
    admin = api_as("admin")
    ok(admin.patch(f"/api/v1/providers/{directory['bir']}", json={"version": 1, "active": False}))
    worker = api_as("caseworker")
    assert names(worker.get("/api/v1/providers?service=medical")) == ["Koshi Hospital"]


def test_patch_that_changes_nothing_keeps_the_version(api_as, directory):
    admin = api_as("admin")
    patched = ok(
        admin.patch(f"/api/v1/providers/{directory['tpo']}", json={"version": 1, "kind": "ngo"})
    )
    assert patched["version"] == 1
    assert not list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.update"))
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"services": ["dentistry"]}, "services"),
        ({"services": []}, "services"),
        ({"district_ids": [999]}, "district_ids"),
        ({"district_ids": []}, "district_ids"),
        ({"name": ""}, "name"),
        ({"kind": "church"}, "kind"),
    ],
)
def test_patch_refuses_bad_input_naming_the_field(api_as, directory, change, field):
    admin = api_as("admin")
    url = f"/api/v1/providers/{directory['tpo']}"
    refused = error(admin.patch(url, json={"version": 1, **change}), 422)
    assert field in refused["fields"]
    provider = reload(directory["tpo"])
    assert (provider.name, provider.kind, provider.version) == ("TPO Nepal", "ngo", 1)
    assert provider.service_codes == ["psychosocial"]
    assert provider.district_ids == [JHAPA, KATHMANDU]


def test_patch_of_unknown_provider_is_404(api_as):
    admin = api_as("admin")
    assert error(admin.patch("/api/v1/providers/987654", json={"version": 1, "name": "X"}), 404)


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_staff_may_not_maintain_the_directory(api_as, directory, role):
    client = api_as(role)
    assert error(client.post("/api/v1/providers", json=new_body()), 403)["code"] == "forbidden"
    url = f"/api/v1/providers/{directory['tpo']}"
    assert error(client.patch(url, json={"version": 1, "name": "Mine"}), 403)["code"] == (
        "forbidden"
    )
    assert provider_count() == len(directory)
    assert (reload(directory["tpo"]).name, reload(directory["tpo"]).version) == ("TPO Nepal", 1)


def test_partner_sees_nothing_of_the_directory(api_as, directory):
    partner = api_as("partner")
    url = f"/api/v1/providers/{directory['tpo']}"
    for response in (
        partner.get("/api/v1/providers"),
        partner.get("/api/v1/providers?service=medical"),
        partner.get(url),
        partner.post("/api/v1/providers", json=new_body()),
        partner.patch(url, json={"version": 1, "name": "X"}),
    ):
        assert error(response, 403)["code"] == "forbidden"
    assert provider_count() == len(directory)


def test_anonymous_gets_401(client, directory):
    assert client.get("/api/v1/providers").status_code == 401


# --- the pages ----------------------------------------------------------------------------


def directory_names(html: str) -> list[str]:
    """The first cell of each row of the directory table (header and 'no match' left out)."""
    rows = [r for r in table_rows(html) if len(r) == 5 and r[0] != "Organisation"]
    return [r[0] for r in rows]


def test_caseworker_searches_the_directory_page(login_as, directory):
    browser = login_as("caseworker")
    page = browser.get("/providers/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert directory_names(html) == [
        "Bir Hospital",
        "Koshi Hospital",
        "Legal Aid Centre",
        "TPO Nepal",
    ]
    assert "Add a provider" not in html
    assert "/admin/providers/" not in html
    found = browser.get(f"/providers/?service=psychosocial&district_id={JHAPA}")
    assert directory_names(found.get_data(as_text=True)) == ["Koshi Hospital", "TPO Nepal"]
    found = browser.get(f"/providers/?district_id={KATHMANDU}")
    assert directory_names(found.get_data(as_text=True)) == ["Bir Hospital", "TPO Nepal"]
    found = browser.get("/providers/?service=legal_aid")
    assert directory_names(found.get_data(as_text=True)) == ["Legal Aid Centre"]
    nothing = browser.get(f"/providers/?service=shelter&district_id={KATHMANDU}")
    html = nothing.get_data(as_text=True)
    assert directory_names(html) == []
    assert "No provider matches." in html


def test_directory_page_shows_services_districts_and_contact(login_as):
    add("TPO Nepal", ["psychosocial"], [KATHMANDU], contact="01-4431717")
    browser = login_as("supervisor", office="DMK")
    rows = [r for r in table_rows(browser.get("/providers/").get_data(as_text=True)) if len(r) == 5]
    assert ["TPO Nepal", "NGO", "Psychosocial", "Kathmandu", "01-4431717"] in rows


def test_admin_sees_inactive_providers_marked(login_as, directory):
    admin = login_as("admin")
    html = admin.get("/providers/").get_data(as_text=True)
    assert "Closed Clinic inactive" in directory_names(html)
    assert "Add a provider" in html
    assert f'href="/admin/providers/{directory["tpo"]}"' in html


@pytest.mark.parametrize("url", ["/providers/", "/admin/providers/new", "/admin/providers/{tpo}"])
def test_partner_gets_403_on_provider_pages(login_as, directory, url):
    partner = login_as("partner")
    assert partner.get(url.format(**directory)).status_code == 403


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_only_admins_reach_the_admin_pages(login_as, directory, role):
    browser = login_as(role)
    edit = f"/admin/providers/{directory['tpo']}"
    assert browser.get("/admin/providers/new").status_code == 403
    assert browser.get(edit).status_code == 403
    posted = browser.post("/admin/providers/new", data=new_body())
    assert posted.status_code == 403
    posted = browser.post(edit, data={**new_body(name="Mine"), "version": "1"})
    assert posted.status_code == 403
    assert provider_count() == len(directory)
    assert reload(directory["tpo"]).name == "TPO Nepal"


def test_anonymous_is_sent_to_login(client, directory):
    for url in ("/providers/", "/admin/providers/new", f"/admin/providers/{directory['tpo']}"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]


def test_admin_adds_a_provider_through_the_page(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/providers/new")
    assert page.status_code == 200
    form = filled(
        form_with(page.get_data(as_text=True), "name"),
        name="Shakti Samuha",
        kind="ngo",
        services=["psychosocial", "livelihood"],
        district_ids=[str(KATHMANDU), str(JHAPA)],
        contact="01-4478501",
    )
    saved = admin.post("/admin/providers/new", data=form)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/providers/")
    [provider] = db.session.scalars(select(Provider))
    assert (provider.name, provider.kind, provider.contact, provider.active) == (
        "Shakti Samuha",
        "ngo",
        "01-4478501",
        True,
    )
    assert provider.service_codes == ["livelihood", "psychosocial"]
    assert provider.district_ids == [JHAPA, KATHMANDU]


def test_page_refuses_bad_input_and_keeps_what_was_typed(login_as):
    admin = login_as("admin")
    form = filled(
        form_with(admin.get("/admin/providers/new").get_data(as_text=True), "name"),
        name="   ",
        kind="ngo",
        services=None,
        district_ids=[str(KATHMANDU)],
        contact="Ring Sunita on 98-0000000",
    )
    refused = admin.post("/admin/providers/new", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert field_errors(html, "name") == ["Give the organisation's name."]
    assert "Choose at least one service." in html
    assert "Ring Sunita on 98-0000000" in html
    assert provider_count() == 0


def test_page_refuses_an_unknown_kind(login_as):
    admin = login_as("admin")
    form = filled(
        form_with(admin.get("/admin/providers/new").get_data(as_text=True), "name"),
        name="Some Trust",
        kind="church",
        services=["cash"],
        district_ids=[str(KATHMANDU)],
    )
    refused = admin.post("/admin/providers/new", data=form)
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True), "kind")
    assert provider_count() == 0


def test_admin_edits_a_provider_through_the_page(login_as, directory):
    admin = login_as("admin")
    url = f"/admin/providers/{directory['tpo']}"
    page = admin.get(url)
    assert page.status_code == 200
    form = form_with(page.get_data(as_text=True), "name")
    assert form["name"] == "TPO Nepal"
    assert form["version"] == "1"
    assert sorted(form.getlist("district_ids")) == sorted([str(KATHMANDU), str(JHAPA)])
    saved = admin.post(url, data=filled(form, services=["psychosocial", "medical"], active=None))
    assert saved.status_code == 302
    provider = reload(directory["tpo"])
    assert provider.service_codes == ["medical", "psychosocial"]
    assert provider.active is False
    assert provider.version == 2


def test_stale_edit_page_is_refused(login_as, directory):
    admin = login_as("admin")
    url = f"/admin/providers/{directory['tpo']}"
    form = form_with(admin.get(url).get_data(as_text=True), "name")
    providers.update(admin.user, reload(directory["tpo"]), {"contact": "new number"}, 1)
    db.session.commit()
    refused = admin.post(url, data=filled(form, name="TPO"))
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert STALE_MESSAGE in html
    assert 'value="TPO"' in html  # what the admin typed is not lost
    provider = reload(directory["tpo"])
    assert (provider.name, provider.contact, provider.version) == ("TPO Nepal", "new number", 2)


def test_edit_page_of_unknown_provider_is_404(login_as):
    assert login_as("admin").get("/admin/providers/987654").status_code == 404


# --- the demo directory --------------------------------------------------------------------


def test_demo_directory_is_realistic_and_added_once():
    added = demo.ensure_demo_providers()
    db.session.commit()
    assert added == len(demo.DEMO_PROVIDERS) >= 15
    found = list(db.session.scalars(select(Provider)))
    assert len(found) == added
    assert len({p.name for p in found}) == added
    assert all(p.active and p.contact.strip() for p in found)
    # Several kinds of organisation, every service offered somewhere.
    assert len({p.kind for p in found}) >= 4
    assert {s for p in found for s in p.service_codes} == set(demo_services())
    # Across many districts, not one national list: leaving out nationwide providers, more
    # than a dozen districts are served, in several provinces.
    local = [p for p in found if len(p.district_ids) < 30]
    served = {d for p in local for d in p.district_ids}
    assert len(served) >= 12
    # Both offices' home districts can refer for every service.
    for district in (KATHMANDU, JHAPA):
        offered = {s for p in found if district in p.district_ids for s in p.service_codes}
        assert offered == set(demo_services()), district

    assert demo.ensure_demo_providers() == 0
    db.session.commit()
    assert provider_count() == added


def demo_services() -> list[str]:
    from casework.domain import codes

    return list(codes.SERVICES)


def test_demo_directory_is_searchable(api_as):
    demo.ensure_demo_providers()
    db.session.commit()
    worker = api_as("caseworker", office="DMK")
    found = ok(worker.get("/api/v1/providers?service=medical"))["items"]
    assert {"Damak Hospital", "Koshi Hospital"} <= {p["name"] for p in found}
    in_jhapa, _ = providers.search(
        worker.user, providers.ProviderFilters(service="legal_aid", district_id=JHAPA)
    )
    assert "Nepal Bar Association legal aid desk, Jhapa" in [p.name for p in in_jhapa]
