"""Every page a coordinator or an administrator can reach passes axe-core at phone size
(the other roles' pages, error pages and forms with errors are in test_browser_axe.py)."""

import pytest

from tests.test_browser_axe import check_page, pages_for, site  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("endpoint", "role"), pages_for("coordinator", "admin"))
def test_every_coordinator_and_admin_page_passes_axe(site, endpoint, role):  # noqa: F811
    check_page(site, endpoint, role)
