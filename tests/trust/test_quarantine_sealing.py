"""Personal fields sealed in quarantine whatever their JSON type stay sealed, and readable as
sent, across a data-key rotation."""
import json

from sqlalchemy import select

from server.api.operations import quarantine_record
from server.crypto import DataKeys, key_id
from server.extensions import db as _db
from server.models import Quarantine
from server.privacy.keys import count_stale, rotate_keys

NEW = "22" * 32


def test_a_nik_sent_as_a_number_stays_sealed_and_readable_through_key_rotation(client, db, make_app,
                                                                               tablet_for):
    tablet = tablet_for()
    record = tablet.registration(id_number=6171014508900003, phone=[81234567890])
    response = client.post("/api/v1/push", data=json.dumps({"protocol": 1, "events": [record]}),
                           headers={**tablet.headers, "Content-Type": "application/json"})
    assert [q["id"] for q in response.get_json()["ack"]["quarantined"]] == [record["id"]]
    rotated = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[client.application.config["SITAMU_DATA_KEY"]])
    with rotated.app_context():
        assert count_stale()["quarantine.payload"] == 2
        report = rotate_keys()
        assert report.complete and report.rewritten["quarantine.payload"] == 2
        item = _db.session.scalar(select(Quarantine))
        raw = json.dumps(item.payload)
        assert "6171014508900003" not in raw and "81234567890" not in raw
        assert raw.count("enc:" + key_id(DataKeys(NEW).current)) == 2
        assert quarantine_record(item) == record
