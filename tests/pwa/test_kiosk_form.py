"""The guest-book form and the desk forms say what is wrong, forget it once it is fixed, mark
what is required, fill what the NIK already says and never cut a long text silently."""
import pytest

NIK = "6171054107900003"  # Pontianak, a woman born 1 July 1990


@pytest.fixture
def kiosk(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.page.click("#start-register")
    desk.page.wait_for_selector("#register-form")
    desk.data = data
    return desk


def error(page, field):
    return page.text_content(f"#{field}-error").strip()


def test_a_required_error_clears_when_the_field_is_filled(kiosk):
    page = kiosk.page
    page.click("#register-submit")
    assert error(page, "name") == "Wajib diisi."
    assert error(page, "purpose") == "Wajib diisi."
    page.fill("#name", "Budi Santoso")
    assert error(page, "name") == ""
    assert page.get_attribute("#name", "aria-invalid") == "false"
    assert error(page, "purpose") == "Wajib diisi."  # only the fixed field forgets its error
    page.click("label[for='consent']")
    assert error(page, "consent") == ""


def test_a_new_nik_clears_the_birth_date_error_of_the_old_one(kiosk):
    page = kiosk.page
    page.fill("#id_number", NIK)
    page.fill("#birth_date", "1991-02-03")
    page.click("#register-submit")
    assert "tidak cocok" in error(page, "birth_date")
    page.fill("#id_number", "617105410790")  # a new, still unfinished NIK
    assert error(page, "birth_date") == ""
    page.fill("#id_number", "6171054107900000")  # serial 0000: its own error, not the old one
    assert error(page, "id_number") != ""
    assert error(page, "birth_date") == ""
    kiosk.shot("kiosk-form-new-nik")


def test_sex_and_birth_date_are_filled_from_the_nik(kiosk):
    page = kiosk.page
    page.fill("#id_number", NIK)
    assert page.is_checked("#sex-P")
    assert page.input_value("#birth_date") == "1990-07-01"
    page.fill("#id_number", "6171050107900003")  # the same guest, but a man's day
    assert page.is_checked("#sex-L")


def test_required_fields_are_marked(kiosk):
    page = kiosk.page
    for field in ("id_number", "name", "purpose"):
        assert page.get_attribute(f"#{field}", "aria-required") == "true", field
        assert page.locator(f"label[for='{field}'] .req").count() == 1, field
    assert page.get_attribute("#phone", "aria-required") is None
    assert page.locator("label[for='phone'] .req").count() == 0
    for legend in ("Bertemu dengan", "Paraf", "Pemberitahuan data pribadi"):
        assert page.locator(f"legend:has-text('{legend}') .req").count() == 1, legend
    assert "wajib diisi" in page.text_content(".req-note")


def test_a_long_purpose_shows_its_count_and_is_refused_whole_not_cut(kiosk):
    page = kiosk.page
    text = "Konsultasi pengadaan barang dan jasa. " * 14  # 532 characters
    page.fill("#purpose", text)
    assert page.input_value("#purpose") == text
    assert page.text_content("#purpose-count").strip() == f"{len(text)}/500 karakter"
    assert "over" in page.get_attribute("#purpose-count", "class")
    page.click("#register-submit")
    assert error(page, "purpose") == f"Paling banyak 500 karakter (sekarang {len(text)})."
    kiosk.shot("kiosk-form-long-purpose")
    page.fill("#purpose", text[:480])
    assert error(page, "purpose") == ""
    assert "over" not in page.get_attribute("#purpose-count", "class")


def test_saving_an_empty_card_number_says_why(desk_office, enrol_code, desk_factory):
    data = desk_office("tanjabbar-2017", name="Sekretariat Daerah")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    queue = desk.register(name="Budi Santoso", nik="1571010101900001", host="Dra. Rina Wati")
    desk.page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    page = desk.page
    step = page.get_attribute(".step.current", "data-step")
    assert page.locator(".step.current #card-number").count() == 1
    page.click(".step.current form button[type=submit]")
    assert page.text_content("#card-number-error").strip() != ""
    assert page.get_attribute(".step.current", "data-step") == step
    page.fill("#card-number", "11")
    assert page.text_content("#card-number-error").strip() == ""


def test_a_long_suggestion_shows_its_count_and_is_refused_whole_not_cut(kiosk):
    page = kiosk.page
    page.evaluate("location.hash = '#/survey'")
    page.click("#survey-start")
    page.click("button.answer[data-score='4']")
    for _ in range(8):
        page.click("button:has-text('Lewati')")
    text = "Ruang tunggu perlu kipas angin tambahan. " * 25  # 1025 characters
    page.fill("#saran", text)
    assert page.input_value("#saran") == text
    assert page.text_content("#saran-count").strip() == f"{len(text)}/1000 karakter"
    page.click("#survey-submit")
    assert page.text_content("#survey-message").strip() == f"Paling banyak 1000 karakter (sekarang {len(text)})."
    assert page.locator("#survey-thanks").count() == 0
    page.fill("#saran", text[:900])
    assert page.text_content("#survey-message").strip() == ""
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")
