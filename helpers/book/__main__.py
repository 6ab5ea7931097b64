"""make book: build outputs/book/html from outputs/ and check it in Chromium (screenshot beside it).

Usage: python -m helpers.book [--runs FOLDER] [--dest FOLDER] [--no-check]"""

import argparse
import sys
from pathlib import Path

from helpers.book.build import BOOK_DIR, BookFailed, build
from helpers.browser import BrowserNotAvailable

NOTES = {
    "falta": "sin ejecutar (la página dice qué `make run NB=...` lo produce)",
    "incompleta": "con una ejecución que no terminó (falta metrics.json)",
    "privada": "NO publicados: su ejecución usó un chat privado",
}


def summary(report: dict) -> list[str]:
    """The lines make book prints: what was published and what was left out, and why."""
    lines = [f"publicados: {', '.join(report['publicados']) or 'ninguno'}"]
    lines += [f"{NOTES[key]}: {', '.join(report[key])}" for key in NOTES if report[key]]
    if report["avisos"]:
        lines.append(f"{len(report['avisos'])} avisos de Sphinx; el primero: {report['avisos'][0]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build the book, print the summary, then open every page in Chromium unless --no-check."""
    parser = argparse.ArgumentParser(prog="python -m helpers.book", description="Construye el libro (make book).")
    parser.add_argument("--runs", type=Path, help="carpeta con las ejecuciones (por defecto outputs/)")
    parser.add_argument("--dest", type=Path, help="carpeta del sitio (por defecto outputs/book/html)")
    parser.add_argument("--no-check", action="store_true", help="no abrir las páginas en Chromium")
    args = parser.parse_args(argv)
    try:
        report = build(args.runs, args.dest)
    except BookFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(summary(report)))
    print(f"libro: {report['html'] / 'index.html'}")
    if args.no_check:
        return 0
    from helpers.book.site import check_site

    screenshot = report["html"].parent / "screenshot.png" if args.dest else BOOK_DIR / "screenshot.png"
    try:
        checked = check_site(report["html"], screenshot)
    except BrowserNotAvailable as error:
        print(f"sin revisar en un navegador: {error}")
        return 0
    for problem in checked["problems"]:
        print(f"error: {problem}", file=sys.stderr)
    print(f"revisadas en Chromium {len(checked['pages'])} páginas; captura: {screenshot}")
    return 1 if checked["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
