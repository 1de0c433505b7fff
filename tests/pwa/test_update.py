"""A new version of the app is announced to staff; taking it swaps the cache and drops the old one."""
import shutil

import server.pwa

SOURCE = server.pwa.PWA_DIR


def test_new_version_is_announced_and_old_cache_deleted(desk_office, enrol_code, desk_factory, tmp_path, monkeypatch):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    page = desk.page
    old = page.evaluate("async () => await caches.keys()")
    assert len(old) == 1 and old[0].startswith("sitamu-desk-")

    # Release a new version: the same app with the next VERSION, served by the real server.
    release = tmp_path / "pwa"
    shutil.copytree(SOURCE, release, ignore=shutil.ignore_patterns("node_modules", "tests"))
    sw = release / "sw.js"
    sw.write_text(sw.read_text().replace('const VERSION = "', 'const VERSION = "next-', 1))
    monkeypatch.setattr(server.pwa, "PWA_DIR", release)

    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    page.wait_for_selector("#reload-new")
    assert "Versi baru siap" in page.text_content("#banner")
    desk.shot("update-ready")
    with page.expect_navigation():
        page.click("#reload-new")
    page.wait_for_selector("#start-register")
    page.wait_for_function("async () => (await caches.keys()).length === 1")
    assert page.evaluate("async () => await caches.keys()") == [old[0].replace("sitamu-desk-", "sitamu-desk-next-")]
