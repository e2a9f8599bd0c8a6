async def test_openapi_served(anon):
    r = await anon.get("/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "Onecast"
