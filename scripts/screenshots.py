#!/usr/bin/env python3
"""Screenshots of the portal at phone and desktop width, for a person to look at.

Starts `nguon serve` on a scratch SQLite database, creates an organisation and users with the
CLI (passwords on standard input), signs in through the real form in headless Chromium and saves
/login, /, /admin/users and /admin/audit at 390x844 and 1280x800, in the browser language
given (Vietnamese by default).

Needs Debian's `chromium` and `chromium-driver`, and `pip install selenium`.

    cargo build -p nguon && python3 scripts/screenshots.py --out /tmp/shots
"""

import argparse
import pathlib
import shutil
import subprocess
import tempfile

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
    return users[0][0]


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
            for name, path in (("home", "/"), ("users", "/admin/users"), ("audit", "/admin/audit")):
                driver.get(base + path)
                driver.save_screenshot(str(out / f"{name}-{label}-{lang}.png"))
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
        email = prepare(args.nguon, database)
        server, base = serve(args.nguon, database)
        try:
            shoot(base, email, out, args.lang)
        finally:
            server.terminate()
            server.wait()
    for png in sorted(out.glob("*.png")):
        print(png)


if __name__ == "__main__":
    main()
