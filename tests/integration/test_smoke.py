def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_pages_render_for_a_caseworker(login_as):
    client = login_as("caseworker")
    for url in ["/", "/beneficiaries/", "/beneficiaries/new", "/auth/account"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
