"""The staff survey pages' tests; the browser tests (test_browser.py) use the live server, browser and axe
fixtures of tests/browser.py."""

