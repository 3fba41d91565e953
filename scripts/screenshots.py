#!/usr/bin/env python3
"""Screenshots of the portal at phone and desktop width, for a person to look at.

Starts `nguon serve` on a scratch SQLite database, creates organisations, API keys and users with
the CLI (passwords on standard input), captures a shrimp chain (hatchery -> pond -> processor ->
cartons on a pallet) through the EPCIS capture API, signs in through the real form in headless
Chromium and saves /login, /, /admin/users, /admin/audit, /trace and the pond lot's trace page
(whole page) at 390x844 and 1280x800, in the browser language given (Vietnamese by default).

Needs Debian's `chromium` and `chromium-driver`, and `pip install selenium`.

    cargo build -p nguon && python3 scripts/screenshots.py --out /tmp/shots
"""

import argparse
import json
import pathlib
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By

SIZES = {"phone": (390, 844, True), "desktop": (1280, 800, False)}
PASSWORD = "một mật khẩu đủ dài cho ảnh chụp"


def nguon(binary, *args, stdin=None):
    result = subprocess.run(
        [binary, *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"nguon {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def prepare(binary, database):
    org = nguon(binary, "org", "add", "--name", "HTX Nuôi tôm sinh thái Tân Hưng",
                "--tax-code", "2001234567", "--kind", "cooperative", "--database", database)
    users = [
        ("lan.nguyen@sokhcn.camau.gov.vn", "province_admin", None, "Nguyễn Thị Lan"),
        ("thanhtra@sokhcn.camau.gov.vn", "inspector", None, "Trần Văn Bình"),
        ("quanly@tanhung.vn", "org_admin", org, "Lê Văn Tám"),
        ("nhanvien@tanhung.vn", "org_staff", org, None),
    ]
    for email, role, organisation, name in users:
        args = ["user", "add", "--email", email, "--role", role, "--database", database]
        if organisation:
            args += ["--organisation", organisation]
        if name:
            args += ["--name", name]
        nguon(binary, *args, stdin=PASSWORD + "\n")
    return users[0][0], org


# The chain: the seed lot, the pond's harvest lot, the frozen lot, two cartons and the pallet.
SEED = "https://id.gs1.org/01/08931234560010/10/PL7"
POND = "https://id.gs1.org/01/08931234560027/10/AO7"
FROZEN = "https://id.gs1.org/01/08931234560034/10/F7"
CARTONS = ["https://id.gs1.org/01/08931234560034/21/C7-1",
           "https://id.gs1.org/01/08931234560034/21/C7-2"]
PALLET = "https://id.gs1.org/00/089312345600000072"


def event(kind, day, hour, step, place, **fields):
    return {"type": kind, "eventTime": f"2026-01-{day:02}T{hour:02}:00:00+07:00",
            "eventTimeZoneOffset": "+07:00", "bizStep": step,
            "readPoint": {"id": place}, "bizLocation": {"id": place}, **fields}


def quantity(lot, amount, uom):
    return [{"epcClass": lot, "quantity": amount, "uom": uom}]


def chain_documents(farm):
    """(organisation, place GLN, place name, events) for each organisation of the chain."""
    hatchery, pond, plant = (f"https://id.gs1.org/414/{gln}"
                             for gln in ("8931234560010", "8931234560027", "8931234560034"))
    return [
        (("Trại giống Hòa Bình", "2001234568"), hatchery, "Khu ương giống số 1", [
            event("ObjectEvent", 1, 8, "commissioning", hatchery, action="ADD",
                  quantityList=quantity(SEED, 200000, "H87")),
            event("ObjectEvent", 1, 9, "shipping", hatchery, action="OBSERVE",
                  quantityList=quantity(SEED, 200000, "H87")),
        ]),
        (farm, pond, "Ao nuôi số 3", [
            event("ObjectEvent", 1, 14, "receiving", pond, action="OBSERVE",
                  quantityList=quantity(SEED, 199500, "H87")),
            event("TransformationEvent", 1, 15, "commissioning", pond,
                  inputQuantityList=quantity(SEED, 199500, "H87"),
                  outputQuantityList=quantity(POND, 1800, "KGM")),
            event("ObjectEvent", 3, 6, "shipping", pond, action="OBSERVE",
                  quantityList=quantity(POND, 1800, "KGM")),
        ]),
        (("Công ty Chế biến Thủy sản Cà Mau", "2001234569"), plant, "Nhà máy chế biến Sông Đốc", [
            event("ObjectEvent", 3, 10, "receiving", plant, action="OBSERVE",
                  quantityList=quantity(POND, 1788, "KGM")),
            event("TransformationEvent", 3, 12, "commissioning", plant,
                  inputQuantityList=quantity(POND, 1788, "KGM"),
                  outputQuantityList=quantity(FROZEN, 1108, "KGM")),
            event("TransformationEvent", 3, 13, "packing", plant,
                  inputQuantityList=quantity(FROZEN, 20, "KGM"), outputEPCList=CARTONS),
            event("AggregationEvent", 3, 14, "packing", plant, action="ADD",
                  parentID=PALLET, childEPCs=CARTONS),
            event("ObjectEvent", 3, 16, "shipping", plant, action="OBSERVE", epcList=[PALLET]),
        ]),
    ]


def keys_for_chain(binary, database, farm):
    """Registers the chain's other organisations and makes a key for each; returns the
    (key, place, place name, events) of every capture."""
    captures = []
    for organisation, place, name, events in chain_documents(farm):
        if isinstance(organisation, tuple):
            org_name, tax_code = organisation
            organisation = nguon(binary, "org", "add", "--name", org_name, "--tax-code", tax_code,
                                 "--database", database)
        key = nguon(binary, "key", "create", "--org", organisation, "--database", database)
        captures.append((key, place, name, events))
    return captures


def capture(base, key, place, name, events):
    """Sends one EPCIS document with the place's name as master data and waits for its job."""
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-01-05T00:00:00+07:00",
        "epcisHeader": {"epcisMasterData": {"vocabularyList": [{
            "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
            "vocabularyElementList": [{"id": place, "attributes": [
                {"id": "urn:epcglobal:cbv:mda#name", "attribute": name}]}]}]}},
        "epcisBody": {"eventList": events},
    }
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/ld+json"}
    request = urllib.request.Request(base + "/epcis/capture", json.dumps(document).encode(),
                                     headers, method="POST")
    with urllib.request.urlopen(request) as reply:
        job = reply.headers["Location"]
    for _ in range(200):
        with urllib.request.urlopen(urllib.request.Request(base + job, headers=headers)) as reply:
            state = json.load(reply)
        if not state["running"]:
            if not state["success"]:
                raise SystemExit(f"capture failed: {state}")
            return
        time.sleep(0.05)
    raise SystemExit(f"capture job {job} never finished")


def serve(binary, database):
    server = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--database", database],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    for line in server.stdout:
        if "listening on http://" in line:
            return server, line.split("listening on ")[1].split()[0].strip()
    raise SystemExit("nguon serve stopped before listening")


def shoot(base, email, out, lang):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--lang={lang}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    # The Debian binaries, named outright, so Selenium never tries to download a browser.
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        for label, (width, height, mobile) in SIZES.items():
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
            })
            driver.delete_all_cookies()
            driver.get(base + "/login")
            driver.save_screenshot(str(out / f"login-{label}-{lang}.png"))
            driver.find_element(By.ID, "email").send_keys(email)
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form.stack button").click()
            for name, path in (("home", "/"), ("users", "/admin/users"), ("audit", "/admin/audit"),
                               ("trace", "/trace")):
                driver.get(base + path)
                driver.save_screenshot(str(out / f"{name}-{label}-{lang}.png"))
            # The trace page is long: shot whole, as tall as its content.
            driver.get(base + "/trace/" + urllib.parse.quote(POND, safe=""))
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
            })
            driver.save_screenshot(str(out / f"trace-lot-{label}-{lang}.png"))
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nguon", default="target/debug/nguon", help="the nguon binary")
    parser.add_argument("--out", default="/tmp/shots", help="where the PNG files go")
    parser.add_argument("--lang", default="vi", choices=["vi", "en"],
                        help="the browser's language (Accept-Language)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        database = str(pathlib.Path(scratch) / "shots.db")
        email, farm = prepare(args.nguon, database)
        captures = keys_for_chain(args.nguon, database, farm)
        server, base = serve(args.nguon, database)
        try:
            for key, place, name, events in captures:
                capture(base, key, place, name, events)
            shoot(base, email, out, args.lang)
        finally:
            server.terminate()
            server.wait()
    for png in sorted(out.glob("*.png")):
        print(png)


if __name__ == "__main__":
    main()
