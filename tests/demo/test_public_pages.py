"""The demo offices' public pages show what docs/web.md describes, on the day the demo is loaded."""
from server.demo import load_demo


def test_the_published_ikm_of_a_demo_office_has_its_sample_check(app, db):
    load_demo(seed=7)  # today: the page's headline is the last complete semester before now
    for code in ("KALBAR-BPBJ", "KALTIM-DP2KUKM", "TANJABBAR-SETDA"):
        page = app.test_client().get(f"/p/ikm/{code}").get_data(as_text=True)
        assert "responden · sampel minimal" in page, code
        assert "mencukupi</strong>" in page, code
