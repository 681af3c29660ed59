"""A teacher writes, previews and submits a question; a reviewer approves it — all in the browser."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, World


async def _log_in(page, base: str, username: str) -> None:
    page.set_default_timeout(10_000)
    await page.goto(f"{base}/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu hoặc mã thẻ").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{base}/")


async def test_write_preview_submit_and_approve(browser, live_server: str, world: World):
    teacher = await (await browser.new_context(locale="vi-VN")).new_page()
    await _log_in(teacher, live_server, "teacher1")
    await teacher.get_by_role("link", name="Ngân hàng câu hỏi").first.click()
    await teacher.get_by_role("link", name="Câu hỏi mới").click()
    await teacher.get_by_label("Câu hỏi", exact=True).fill("Bạn nhận được cuộc gọi tự xưng công an yêu cầu chuyển tiền. Em làm gì?")
    await teacher.get_by_label("Lựa chọn 1", exact=True).fill("Cúp máy và báo bố mẹ")
    await teacher.get_by_label("Lựa chọn 2", exact=True).fill("Chuyển tiền ngay")
    await teacher.get_by_label("Lựa chọn 3", exact=True).fill("Đọc số tài khoản của bố mẹ")
    await teacher.get_by_label("Lựa chọn 1 là đáp án đúng").check()
    await teacher.get_by_label(re.compile("Giải thích")).fill("Công an không bao giờ yêu cầu chuyển tiền qua điện thoại. Hãy báo người lớn.")
    await teacher.locator('input[name="competences"][value="4.2"]').check()
    await teacher.get_by_role("button", name="Lưu").click()
    await teacher.wait_for_url(re.compile(r"/questions/\d+$"))
    question_url = teacher.url

    await teacher.get_by_role("link", name="Xem như học sinh").click()
    await teacher.wait_for_url(re.compile(r"/preview$"))
    await expect(teacher.locator(".play-question .choice")).to_have_count(3)
    assert "correct" not in await teacher.locator("form.play").inner_html()
    await screenshot(teacher, "question-preview")
    await teacher.goto(question_url)
    await teacher.get_by_role("button", name="Gửi duyệt").click()
    await expect(teacher.locator("h1")).to_contain_text("Đang duyệt")

    reviewer = await (await browser.new_context(locale="vi-VN")).new_page()
    await _log_in(reviewer, live_server, "district1")
    await reviewer.goto(question_url)
    await reviewer.get_by_label("Nhận xét").fill("Câu hỏi rõ ràng.")
    await reviewer.get_by_role("button", name="Duyệt", exact=True).click()
    await expect(reviewer.locator("h1")).to_contain_text("Đã duyệt")
    await expect(reviewer.locator(".history")).to_contain_text("Câu hỏi rõ ràng.")
    await screenshot(reviewer, "question-approved")
