"""The browser tests of the builder (test_browser.py) use the live server, browser and axe fixtures of tests/browser.py."""

