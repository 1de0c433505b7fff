"""Login refusal times: does a refused login tell, by its time, whether the account exists?

Posts wrong logins through the real login form (test client, SQLite in a temporary folder)
for a real account, an unknown username, an inactive account and a locked one, and prints
the median and spread of each in milliseconds as one JSON object. Before issue 13 an unknown
username was refused in ~4 ms and a real one in ~80 ms (one scrypt check).

    python bench/login_timing.py [--rounds 15]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.models import StaffUser
    from server.models.base import utcnow

    folder = tempfile.mkdtemp(prefix="sitamu-login-bench-")
    app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(folder, 'bench.db')}",
                      "SITAMU_DATA_KEY": "22" * 32, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        for name, active in (("nyata", True), ("nonaktif", False), ("terkunci", True)):
            user = StaffUser(username=name, name=name, role="central_admin", active=active)
            user.set_password("kata-sandi-benar")
            db.session.add(user)
        db.session.commit()
        client = app.test_client()

        def refuse(username: str) -> float:
            if username == "terkunci":
                locked = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
                locked.locked_until = utcnow() + timedelta(hours=1)
            real = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "nyata"))
            real.failed_logins, real.locked_until = 0, None  # never reach the lock
            db.session.commit()
            started = time.perf_counter()
            response = client.post("/login", data={"username": username, "password": "salah-salah"})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 401
            return elapsed

        cases = {"real_account": "nyata", "unknown_username": "tidak-ada", "inactive_account": "nonaktif",
                 "locked_account": "terkunci"}
        times: dict[str, list[float]] = {case: [] for case in cases}
        refuse("nyata")  # warm up
        for _ in range(args.rounds):
            for case, username in cases.items():  # interleaved: machine noise hits all alike
                times[case].append(refuse(username))
    result = {"bench": "login_timing", "rounds": args.rounds, "load_before": round(os.getloadavg()[0], 2)}
    for case, values in times.items():
        result[case] = {"median_ms": round(statistics.median(values), 1),
                        "p10_ms": round(sorted(values)[len(values) // 10], 1),
                        "p90_ms": round(sorted(values)[len(values) * 9 // 10], 1)}
    medians = [result[case]["median_ms"] for case in cases]
    result["max_over_min"] = round(max(medians) / min(medians), 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
