"""Demo data (placeholder until the demo generator lands)."""


class DemoError(Exception):
    pass


def load_demo(seed: int = 2026) -> str:
    raise DemoError("demo data is not built yet")


def add_volume(office_code: str, month: str, visits: int, seed: int = 2026) -> str:
    raise DemoError("demo data is not built yet")
