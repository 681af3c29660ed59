"""Question bank files a teacher brings from Moodle, types in a text editor or edits in Excel.

Pure functions: no database, no server. Messages are checked in English.
"""

from __future__ import annotations

import time

import pytest

from contest.i18n import current_locale
from questions.content import Option, QuestionData
from questions.formats import FORMATS, ParseResult, UnsupportedForFormat, guess_format


@pytest.fixture(autouse=True)
def english():
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


def parse(format_name: str, text: str, encoding: str = "utf-8") -> ParseResult:
    return FORMATS[format_name].parse(text.encode(encoding))


def only_question(format_name: str, text: str) -> QuestionData:
    result = parse(format_name, text)
    assert result.problems == [] and result.unsupported == []
    [parsed] = result.questions
    return parsed.data


def where(result: ParseResult) -> list[tuple[int, int | None, str | None]]:
    return [(problem.line, problem.column, problem.field) for problem in result.problems]


# A question of every type, with every field that the type uses set away from its default.
EVERY_TYPE = [
    QuestionData(
        type="single_choice",
        stem='Em nhận được tin nhắn: "Chúc mừng bạn trúng thưởng, hãy gửi mã OTP". Em nên làm gì?',
        options=[
            Option("Không gửi mã, báo cho bố mẹ hoặc thầy cô", True, "Đúng: OTP là chìa khoá tài khoản"),
            Option("Gửi mã OTP để nhận quà", False, "Kẻ gian sẽ chiếm tài khoản"),
            Option("Gọi lại số đó để hỏi {cho chắc}"),
        ],
        explanation="Không tổ chức thật nào xin OTP để trao thưởng. 100% là lừa đảo #canhgiac",
        competences=["4.2"],
        level_min=3,
        level_max=6,
        difficulty="easy",
        tags=["otp", "lừa đảo"],
        key="safety-otp-prize-sms",
        translation_key="safety-otp-prize-sms-en",
    ),
    QuestionData(
        type="multiple_response",
        stem="Which passwords are strong?",
        language="en",
        options=[Option("Tr0ng-Xanh#2026", True), Option("May~Trang=9", True), Option("123456"), Option("password")],
        competences=["4.1", "4.2"],
        difficulty="hard",
        title="Strong passwords",
    ),
    QuestionData(type="true_false", stem="Trái Đất quay quanh Mặt Trời.\nĐúng hay sai?", answer_true=True, explanation="Mất khoảng 365 ngày."),
    QuestionData(type="true_false", stem="Có thể chia sẻ mật khẩu với bạn thân.", answer_true=False, level_min=1, level_max=2),
    QuestionData(
        type="short_text",
        stem="Thủ đô của Việt Nam là _____ (viết tên thành phố).",
        answers=["Hà Nội", "Thành phố Hà Nội"],
        ignore_diacritics=True,
        key="capital-vn",
    ),
    QuestionData(type="numeric", stem="Một byte có bao nhiêu bit?", numeric_answer=8.0, key="byte-bits"),
    QuestionData(type="numeric", stem="Số π (2 chữ số thập phân)", numeric_answer=3.14159, tolerance=0.005, tags=["toán"]),
]
MATCHING = QuestionData(
    type="matching",
    stem="Nối mỗi thuật ngữ với nghĩa của nó",
    options=[Option("Mật khẩu", match="Password"), Option("Tường lửa", match="Firewall"), Option("Thư rác", match="Spam")],
)
ORDERING = QuestionData(
    type="ordering",
    stem="Sắp xếp các bước tạo tài khoản",
    options=[Option("Mở trang đăng ký"), Option("Điền thông tin"), Option("Xác nhận email")],
    key="account-steps",
)


def test_the_examples_are_valid_questions():
    assert [question.problems() for question in [*EVERY_TYPE, MATCHING, ORDERING]] == [[]] * 9


# --- GIFT ------------------------------------------------------------------------------------------


def test_gift_single_choice_with_key_feedback_explanation_and_escapes():
    question = only_question(
        "gift",
        "::safety-otp::Em nhận được tin nhắn\\: \"gửi mã OTP\" 1\\=1? {\n"
        "  =Không gửi mã#Đúng rồi\n"
        "  ~Gửi ngay\\~#Kẻ gian sẽ chiếm tài khoản\n"
        "  ~Gọi lại \\{hỏi\\} cho chắc\n"
        "  ####OTP là bí mật\\#1.\n"
        "}\n",
    )
    assert question == QuestionData(
        type="single_choice",
        stem='Em nhận được tin nhắn: "gửi mã OTP" 1=1?',
        options=[
            Option("Không gửi mã", True, "Đúng rồi"),
            Option("Gửi ngay~", False, "Kẻ gian sẽ chiếm tài khoản"),
            Option("Gọi lại {hỏi} cho chắc"),
        ],
        explanation="OTP là bí mật#1.",
        key="safety-otp",
    )


def test_a_gift_name_that_is_not_key_like_is_the_title():
    question = only_question("gift", "::Câu 1 – Mật khẩu::Mật khẩu mạnh có ít nhất mấy ký tự? {=8 ~4 ~2}")
    assert (question.title, question.key) == ("Câu 1 – Mật khẩu", "")


def test_gift_weights_make_a_multiple_response_question():
    question = only_question(
        "gift",
        "Những mật khẩu nào mạnh? {\n~%50%Tr0ng-Xanh#2026 ~%50%Mây-Trắng!9 ~%-100%123456 ~matkhau\n}",
    )
    assert question.type == "multiple_response"
    assert [(option.text, option.correct) for option in question.options] == [
        ("Tr0ng-Xanh", True),  # "#2026" is the answer's feedback, as in Moodle
        ("Mây-Trắng!9", True),
        ("123456", False),
        ("matkhau", False),
    ]


@pytest.mark.parametrize(
    ("answer", "expected", "explanation"),
    [
        ("{T}", True, ""),
        ("{TRUE}", True, ""),
        ("{F}", False, ""),
        ("{FALSE}", False, ""),
        ("{F#Sai: hãy tự đặt mật khẩu riêng.}", False, "Sai: hãy tự đặt mật khẩu riêng."),
        ("{T####Đúng vậy.}", True, "Đúng vậy."),
    ],
)
def test_gift_true_false(answer, expected, explanation):
    question = only_question("gift", f"Có thể dùng chung một mật khẩu cho mọi tài khoản. {answer}")
    assert (question.type, question.answer_true, question.explanation) == ("true_false", expected, explanation)


def test_gift_short_answer_keeps_the_full_credit_answers():
    question = only_question("gift", "Thủ đô của Việt Nam là gì? {=Hà Nội =Ha Noi#Nên viết có dấu =%50%Hà Lội}")
    assert (question.type, question.answers) == ("short_text", ["Hà Nội", "Ha Noi"])


@pytest.mark.parametrize(
    ("answer", "value", "tolerance"),
    [
        ("{#3.14:0.01}", 3.14, 0.01),
        ("{#1..5}", 3.0, 2.0),
        ("{#=3:0 =%50%3:1}", 3.0, 0.0),
        ("{#=%50%2 =8#Đúng}", 8.0, 0.0),
        ("{#1024}", 1024.0, 0.0),
    ],
)
def test_gift_numeric(answer, value, tolerance):
    question = only_question("gift", f"Nhập số: {answer}")
    assert (question.type, question.numeric_answer, question.tolerance) == ("numeric", value, tolerance)


def test_gift_matching():
    question = only_question("gift", "Nối thuật ngữ với nghĩa. {\n=Mật khẩu -> Password\n=Tường lửa -> Firewall\n=Thư rác -> Spam\n}")
    assert question == QuestionData(type="matching", stem="Nối thuật ngữ với nghĩa.", options=MATCHING.options)


def test_gift_missing_word_puts_a_blank_where_the_answers_were():
    question = only_question("gift", "Thủ đô của Việt Nam là {~Huế =Hà Nội ~Đà Nẵng} từ năm 1976.")
    assert question.type == "single_choice"
    assert question.stem == "Thủ đô của Việt Nam là _____ từ năm 1976."
    assert [option.text for option in question.options if option.correct] == ["Hà Nội"]


def test_gift_categories_become_tags_of_the_questions_that_follow():
    result = parse(
        "gift",
        "$CATEGORY: $course$/top/An toàn/Mật khẩu\n\n"
        "Câu một {T}\n\n"
        "Câu hai {F}\n\n"
        "$CATEGORY: Trí tuệ nhân tạo\n\n"
        "Câu ba {T}\n",
    )
    assert [(parsed.line, parsed.data.tags) for parsed in result.questions] == [
        (3, ["An toàn", "Mật khẩu"]),
        (5, ["An toàn", "Mật khẩu"]),
        (9, ["Trí tuệ nhân tạo"]),
    ]


def test_gift_comments_multi_line_questions_and_text_formats():
    result = parse(
        "gift",
        "// Đề ôn tập tuần 3\n"
        "// soạn bởi cô Lan\n"
        "::q1::[markdown]Khi thấy đường link lạ\n"
        "trong tin nhắn, em nên:\n"
        "{\n"
        "// lựa chọn đúng trước\n"
        "=[html]Không bấm vào\n"
        "~Bấm thử xem\n"
        "}\n",
    )
    [parsed] = result.questions
    assert parsed.line == 3
    assert parsed.data.stem == "Khi thấy đường link lạ\ntrong tin nhắn, em nên:"
    assert [option.text for option in parsed.data.options] == ["Không bấm vào", "Bấm thử xem"]


def test_gift_metadata_comment_sets_what_gift_cannot_say():
    question = only_question(
        "gift",
        "// just a comment\n"
        '// hoithi: {"competences": ["4.2"], "level_min": 3, "level_max": 6, "difficulty": "easy", "language": "vi",'
        ' "translation_key": "wifi-en", "tags": ["wifi"]}\n'
        "::wifi-cafe::Ở quán cà phê, em có nên đăng nhập ngân hàng qua Wi-Fi công cộng? {F}\n",
    )
    assert (question.key, question.competences, question.level_min, question.level_max) == ("wifi-cafe", ["4.2"], 3, 6)
    assert (question.difficulty, question.translation_key, question.tags) == ("easy", "wifi-en", ["wifi"])


def test_gift_bad_metadata_is_reported_on_the_comment_line():
    result = parse(
        "gift",
        'Câu một {T}\n\n// hoithi: {"level_min": "ba"}\nCâu hai {T}\n\n// hoithi: {"level_min": 3,}\nCâu ba {T}\n',
    )
    assert [parsed.data.stem for parsed in result.questions] == ["Câu một"]
    assert where(result) == [(3, None, "level_min"), (6, 28, "hoithi")]
    assert result.problems[0].message == "must be a whole number"


def test_gift_questions_that_break_hoithis_rules_are_problems_at_their_line():
    result = parse("gift", 'Câu một {T}\n\n// hoithi: {"competences": ["9.9"]}\nCâu hai {T}\n\nKhông có đáp án {=}\n')
    assert where(result) == [(4, None, "competences"), (6, None, "answers")]
    assert len(result.questions) == 1


def test_gift_essays_and_descriptions_are_listed_as_unsupported():
    result = parse(
        "gift",
        "Phần 1: An toàn trên mạng\n\n"
        "::essay-1::Hãy viết một đoạn văn về an toàn trên mạng. {}\n\n"
        "Câu hỏi thật {T}\n",
    )
    assert result.problems == []
    assert [(problem.line, problem.message) for problem in result.unsupported] == [
        (1, "descriptions (text without answers in {…}) are not supported"),
        (3, "essay questions (“{}”) are not supported"),
    ]
    assert [parsed.line for parsed in result.questions] == [5]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("Câu hỏi chưa đóng {\n=Đúng\n~Sai\n", 3, 19, "this “{” is never closed with “}”"),
        ("Dấu lạ {\n  +Đúng ~Sai}\n", 4, 3, "unknown answer marker “+”: answers start with ~ ="),
        ("Không có đáp án đúng {~Một ~Hai ~Ba}\n", 3, None, "a multiple-response question needs at least 1 correct option"),
        ("Hai câu liền nhau {T}\nCâu sau {F}\n", 4, 9, "a second answer section: separate questions with a blank line"),
        ("Số sai {#ba}\n", 3, 10, "“ba” is not a number"),
        ("Trọng số sai {~%năm mươi%A ~%50%B ~C}\n", 3, 16, "a weight is written as a percentage between two % signs, e.g. ~%50%"),
    ],
)
def test_malformed_gift_is_reported_at_its_line_and_nothing_else(text, line, column, message):
    result = parse("gift", "Câu đầu tiên {T}\n\n" + text + "\nCâu cuối {F}\n")
    assert [(problem.line, problem.column, problem.message) for problem in result.problems] == [(line, column, message)]
    assert [parsed.data.stem for parsed in result.questions] == ["Câu đầu tiên", "Câu cuối"]


def test_gift_write_then_parse_gives_the_same_questions():
    questions = [*EVERY_TYPE, MATCHING]
    written = FORMATS["gift"].write(questions)
    result = FORMATS["gift"].parse(written)
    assert result.problems == [] and result.unsupported == []
    assert [parsed.data for parsed in result.questions] == questions
    text = written.decode()
    assert '// hoithi: {"competences": ["4.2"], "level_min": 3, "level_max": 6, "difficulty": "easy"' in text
    assert "::safety-otp-prize-sms::Em nhận được tin nhắn\\: " in text
    assert "~Gọi lại số đó để hỏi \\{cho chắc\\}" in text


def test_gift_written_for_moodle_uses_its_conventions():
    text = FORMATS["gift"].write([EVERY_TYPE[1], EVERY_TYPE[4]]).decode()
    assert "~%50%Tr0ng-Xanh\\#2026" in text and "~%-100%123456" in text
    assert "Thủ đô của Việt Nam là {\n\t=Hà Nội\n\t=Thành phố Hà Nội\n} (viết tên thành phố)." in text


def test_gift_cannot_write_ordering_questions():
    with pytest.raises(UnsupportedForFormat) as refused:
        FORMATS["gift"].write([EVERY_TYPE[0], ORDERING])
    assert [(index, question.key) for index, question, _reason in refused.value.misfits] == [(2, "account-steps")]
    assert "account-steps" in str(refused.value)


# --- Aiken -----------------------------------------------------------------------------------------

AIKEN = """Mật khẩu nào mạnh nhất?
A. 123456
B. matkhau
C. Tr0ng-Xanh#2026
ANSWER: C

Em nhận được email báo trúng thưởng
kèm một đường link lạ. Em nên làm gì?
A) Bấm vào link để nhận quà
B) Xoá email và báo cho thầy cô
ANSWER: B
"""


def test_aiken_questions_with_multi_line_stems():
    result = parse("aiken", AIKEN)
    assert result.problems == []
    assert [parsed.line for parsed in result.questions] == [1, 7]
    second = result.questions[1].data
    assert second == QuestionData(
        type="single_choice",
        stem="Em nhận được email báo trúng thưởng\nkèm một đường link lạ. Em nên làm gì?",
        options=[Option("Bấm vào link để nhận quà"), Option("Xoá email và báo cho thầy cô", True)],
    )


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Câu hỏi?\nA. Một\nB. Hai\n", [(1, None, "this question has no ANSWER line (e.g. ANSWER: B) after its options")]),
        ("Câu hỏi?\nA. Một\nB. Hai\nANSWER: D\n", [(4, 9, "ANSWER “D” is not one of the options (A–B)")]),
        ("Câu hỏi?\nA. Một\nANSWER: A\n", [(1, None, "a single-choice question needs at least 2 options")]),
        ("Câu hỏi?\nA. Một\nC. Hai\nANSWER: A\n", [(3, 1, "option C is out of order: the next option should be B")]),
        ("A. Một\nB. Hai\nANSWER: A\n", [(1, 1, "an option comes before any question text")]),
    ],
)
def test_malformed_aiken(text, problems):
    result = parse("aiken", text + "\n" + AIKEN)
    assert [(problem.line, problem.column, problem.message) for problem in result.problems] == problems
    assert len(result.questions) == 2


def test_aiken_question_without_answer_does_not_swallow_the_next_one():
    result = parse("aiken", "Câu một?\nA. Có\nB. Không\nCâu hai?\nA. Có\nB. Không\nANSWER: A\n")
    assert where(result) == [(1, None, None)]
    assert [parsed.data.stem for parsed in result.questions] == ["Câu hai?"]


def test_aiken_write_then_parse_and_refusals():
    written = FORMATS["aiken"].write([EVERY_TYPE[0]])
    [parsed] = FORMATS["aiken"].parse(written).questions
    assert parsed.data.stem == EVERY_TYPE[0].stem
    assert [(option.text, option.correct) for option in parsed.data.options] == [(o.text, o.correct) for o in EVERY_TYPE[0].options]
    with pytest.raises(UnsupportedForFormat) as refused:
        FORMATS["aiken"].write(EVERY_TYPE)
    assert [index for index, _question, _reason in refused.value.misfits] == [2, 3, 4, 5, 6, 7]


# --- CSV -------------------------------------------------------------------------------------------

CSV_HEADER = "key,language,type,stem,option_1,option_2,option_3,option_4,correct,tolerance,ignore_diacritics,explanation,competences,level_min,level_max,difficulty,tags\n"


def test_csv_every_supported_type():
    result = parse(
        "csv",
        CSV_HEADER
        + "otp,vi,single_choice,Có nên gửi mã OTP cho người lạ?,Có,Không,,,2,,,OTP là bí mật,4.2;4.3,3,6,easy,otp;sms\n"
        + ",en,multiple_response,Strong passwords?,Tr0ng-Xanh,123456,May-Trang!9,abc,\"1,3\",,,,,,,hard,\n"
        + ",,true_false,Wi-Fi công cộng luôn an toàn.,,,,,sai,,,,,,,,\n"
        + ",,numeric,Một byte có bao nhiêu bit?,,,,,8,0,,,,,,,\n"
        + ",,short_text,Thủ đô của Việt Nam?,,,,,Hà Nội|Ha Noi,,true,,,,,,\n",
    )
    assert result.problems == []
    assert [parsed.line for parsed in result.questions] == [2, 3, 4, 5, 6]
    first, second, third, fourth, fifth = (parsed.data for parsed in result.questions)
    assert first == QuestionData(
        type="single_choice",
        stem="Có nên gửi mã OTP cho người lạ?",
        options=[Option("Có"), Option("Không", True)],
        explanation="OTP là bí mật",
        competences=["4.2", "4.3"],
        level_min=3,
        level_max=6,
        difficulty="easy",
        tags=["otp", "sms"],
        key="otp",
    )
    assert [option.correct for option in second.options] == [True, False, True, False] and second.language == "en"
    assert third.answer_true is False
    assert (fourth.numeric_answer, fourth.tolerance) == (8.0, 0.0)
    assert (fifth.answers, fifth.ignore_diacritics) == (["Hà Nội", "Ha Noi"], True)


def test_csv_from_excel_in_a_vietnamese_locale_bom_semicolons_decimal_commas():
    text = (
        "type;stem;option_1;option_2;option_3;correct;tolerance\r\n"
        "numeric;Số π (2 chữ số thập phân)?;;;;3,14;0,005\r\n"
        'single_choice;"Dòng một;\r\ndòng hai";Đúng;Sai;Không biết;1;\r\n'
        "true_false;Mật khẩu nên dài.;;;;đúng;\r\n"
    )
    result = parse("csv", text, encoding="utf-8-sig")
    assert result.problems == []
    assert [parsed.line for parsed in result.questions] == [2, 3, 5]
    numeric, choice, true_false = (parsed.data for parsed in result.questions)
    assert (numeric.numeric_answer, numeric.tolerance) == (3.14, 0.005)
    assert choice.stem == "Dòng một;\r\ndòng hai" and choice.options[0].correct
    assert true_false.answer_true is True


def test_csv_bad_cells_are_named_by_line_and_column():
    result = parse(
        "csv",
        CSV_HEADER
        + ",,single_choice,Câu một,A,B,,,5,,,,,ba,,,\n"
        + ",,true_false,Câu hai,,,,,có lẽ,,,,,,,,\n"
        + ",,numeric,Câu ba,,,,,mười,,,,,,,,\n"
        + ",,single_choice,Câu bốn,A,,C,,1,,,,,,,,\n"
        + ",,single_choice,Câu năm,A,B,,,1,,,,9.9,,,,\n"
        + ",,multiple_choice,Câu sáu,A,B,,,1,,,,,,,,\n"
        + ",,single_choice,Câu bảy,A,B,,,1,,,,,,,,\n",
    )
    assert where(result) == [
        (2, None, "level_min"),
        (2, None, "correct"),
        (3, None, "correct"),
        (4, None, "correct"),
        (5, None, "option_2"),
        (6, None, "competences"),
        (7, None, "type"),
    ]
    assert str(result.problems[0]) == "line 2, level_min: “ba” is not a whole number"
    assert result.problems[1].message == "“5” is not an option number (1 to 2)"
    assert [parsed.line for parsed in result.questions] == [8]


def test_csv_missing_columns_are_reported_on_line_1():
    result = parse("csv", "type,question\nsingle_choice,Câu một\n")
    assert [(problem.line, problem.message) for problem in result.problems] == [
        (1, "missing columns: stem, correct (the first line must name the columns)")
    ]
    assert result.questions == []


def test_csv_a_line_with_too_many_cells_asks_for_quotes():
    result = parse("csv", "type,stem,correct\ntrue_false,Xin chào, bạn khoẻ không?,true\n")
    assert where(result) == [(2, None, None)]
    assert "put quotes around" in result.problems[0].message


def test_csv_ordering_and_matching_rows_are_unsupported():
    result = parse("csv", "type,stem,option_1,option_2,correct\nordering,Sắp xếp,Một,Hai,1\ntrue_false,Đúng?,,,true\n")
    assert result.problems == []
    assert [(problem.line, problem.field) for problem in result.unsupported] == [(2, "type")]
    assert len(result.questions) == 1


def test_csv_written_for_excel_and_read_back():
    written = FORMATS["csv"].write(EVERY_TYPE)
    assert written.startswith(b"\xef\xbb\xbfkey,language,type,stem,option_1,")
    assert written.count(b"\r\n") == len(EVERY_TYPE) + 1
    result = FORMATS["csv"].parse(written)
    assert result.problems == []
    # CSV has no columns for titles or option feedback; everything else comes back.
    expected = [QuestionData(**{**vars(question), "title": ""}) for question in EVERY_TYPE]
    for question in expected:
        question.options = [Option(option.text, option.correct) for option in question.options]
    assert [parsed.data for parsed in result.questions] == expected


def test_csv_cannot_write_matching_or_ordering():
    with pytest.raises(UnsupportedForFormat) as refused:
        FORMATS["csv"].write([MATCHING, EVERY_TYPE[0], ORDERING])
    assert [index for index, _question, _reason in refused.value.misfits] == [1, 3]


# --- JSON ------------------------------------------------------------------------------------------


def test_json_export_then_import_gives_every_field_back():
    questions = [
        *EVERY_TYPE,
        MATCHING,
        ORDERING,
        QuestionData(type="numeric", stem="0,1 + 0,2 = ?", numeric_answer=0.1 + 0.2, tolerance=1e-9, image="ab12cd.png"),
    ]
    result = FORMATS["json"].parse(FORMATS["json"].write(questions))
    assert result.problems == [] and result.unsupported == []
    assert [parsed.data for parsed in result.questions] == questions
    assert result.questions[-1].data.numeric_answer == 0.30000000000000004


def test_json_questions_know_their_line():
    written = FORMATS["json"].write(EVERY_TYPE[:3])
    lines = written.decode().split("\n")
    result = FORMATS["json"].parse(written)
    assert [lines[parsed.line - 1].strip() for parsed in result.questions] == ["{"] * 3
    assert [parsed.line for parsed in result.questions] == sorted({parsed.line for parsed in result.questions})


def test_invalid_json_is_reported_with_line_and_column():
    result = parse("json", '{"format": "hoithi-questions",\n "version": 1,\n "questions": [\n  {"type": "true_false" "stem": "x"}\n ]}')
    assert where(result) == [(4, 25, None)]


def test_json_wrong_field_types_name_the_question_and_its_line():
    result = parse(
        "json",
        """{
  "format": "hoithi-questions",
  "version": 1,
  "questions": [
    {"type": "true_false", "stem": "Đúng?", "answer_true": true},
    {"type": "true_false", "stem": "Sai?", "answer_true": "no", "level_min": 2.5, "colour": "red"},
    {"type": "single_choice", "options": [{"text": "A", "correct": 1}]},
    "not a question"
  ]
}""",
    )
    assert where(result) == [
        (6, None, "questions[1].answer_true"),
        (6, None, "questions[1].level_min"),
        (6, None, "questions[1].colour"),
        (7, None, "questions[2].options[0].correct"),
        (7, None, "questions[2].stem"),
        (8, None, "questions[3]"),
    ]
    assert [problem.message for problem in result.problems][:3] == ["must be true or false", "must be a whole number", "unknown field"]
    assert [parsed.line for parsed in result.questions] == [5]


@pytest.mark.parametrize(
    "text",
    ['[{"type": "true_false", "stem": "x"}]', '{"format": "hoithi-questions", "version": 2, "questions": []}', '{"format": "hoithi-questions", "version": 1}'],
)
def test_json_that_is_not_a_hoithi_question_file(text):
    result = parse("json", text)
    assert where(result) == [(1, None, None)] and result.questions == []


# --- All formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("bank.gift", "gift"), ("De-thi.GIFT", "gift"), ("x.aiken", "aiken"), ("cau-hoi.csv", "csv"), ("backup.json", "json"), ("notes.txt", None), ("gift", None)],
)
def test_guess_format_by_extension(filename, expected):
    assert guess_format(filename) == expected


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_a_file_that_is_not_utf8_is_one_problem(format_name):
    result = FORMATS[format_name].parse("Câu một {T}\n\nCâu hai {F}\n".encode("utf-16"))
    assert where(result) == [(1, None, None)] and result.questions == []


@pytest.mark.parametrize("format_name", ["gift", "csv", "json"])
def test_ten_thousand_questions_parse_quickly(format_name):
    questions = [*EVERY_TYPE] * 1429  # 10,003
    written = FORMATS[format_name].write(questions)
    started = time.perf_counter()
    result = FORMATS[format_name].parse(written)
    assert time.perf_counter() - started < 2
    assert len(result.questions) == len(questions)


def test_ten_thousand_aiken_questions_parse_quickly():
    written = FORMATS["aiken"].write([EVERY_TYPE[0]] * 10_000)
    started = time.perf_counter()
    assert len(FORMATS["aiken"].parse(written).questions) == 10_000
    assert time.perf_counter() - started < 2
