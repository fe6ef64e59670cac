#!/usr/bin/env python3
"""Generate ManualBot's sample manuals and PDF test fixtures.

What it writes (paths relative to the repository root):

  samples/manuals/프런트데스크_응대_매뉴얼.pdf   6-page Korean front-desk manual (original content,
                                              NanumGothic 10.5pt, Q&A pages plus section pages)
  samples/manuals/객실_하우스키핑_안내.txt      short UTF-8 plain-text housekeeping manual
  samples/manuals/README.md                   what the samples are + page -> topic table
  Tests/Fixtures/korean_pages.pdf             3 pages, one unique Korean marker sentence per page,
                                              Title metadata "테스트 문서"
  Tests/Fixtures/blank_pages.pdf              2 pages with drawings only, no text ("scanned-like")
  Tests/Fixtures/fixtures.json                expected page count / title / page markers per fixture

How to run (from the repository root):

  pip install reportlab && python3 samples/make_sample_manuals.py

Requirements: the NanumGothic fonts from the Debian package `fonts-nanum`
(/usr/share/fonts/truetype/nanum/). Fonts are embedded as subsets, so the PDFs stay small.

Output is deterministic: reportlab runs with invariant=1 (fixed dates and IDs), so running the
script again with the same reportlab version and fonts gives byte-identical files. The PDF
Producer string contains the reportlab version, so a different reportlab version can change bytes.
Everything here is generated: edit this script, not the outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config

rl_config.invariant = 1  # fixed creation date / document ID -> reproducible bytes

from reportlab.lib.colors import HexColor  # noqa: E402
from reportlab.lib.enums import TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

ROOT = Path(__file__).resolve().parent.parent
MANUALS_DIR = ROOT / "samples" / "manuals"
FIXTURES_DIR = ROOT / "Tests" / "Fixtures"

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONT = "NanumGothic"
FONT_BOLD = "NanumGothicBold"

MANUAL_PDF_NAME = "프런트데스크_응대_매뉴얼.pdf"
MANUAL_TXT_NAME = "객실_하우스키핑_안내.txt"
MANUAL_TITLE = "프런트데스크 응대 매뉴얼"
FOOTER = "누리호텔 프런트데스크 응대 매뉴얼 (샘플)"


def register_fonts() -> None:
    for name, file in ((FONT, "NanumGothic.ttf"), (FONT_BOLD, "NanumGothicBold.ttf")):
        path = FONT_DIR / file
        if not path.exists():
            sys.exit(f"missing font {path}: install the Debian package fonts-nanum")
        pdfmetrics.registerFont(TTFont(name, str(path)))


def check_glyphs(text: str, font: str = FONT) -> None:
    """Fail loudly instead of silently dropping characters the font cannot draw."""
    cmap = pdfmetrics.getFont(font).face.charToGlyph
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in cmap})
    if missing:
        sys.exit(f"font {font} lacks glyphs for: {missing!r}")


# ---------------------------------------------------------------------------
# Content of the front-desk manual: one entry per PDF page.
# Block kinds: ("h2", text) section heading, ("p", text) paragraph,
# ("ul", [items]) bulleted list, ("qa", question, answer) Q&A block.
# `keywords` are words that occur on that page only (checked below and listed in README.md).
# ---------------------------------------------------------------------------

PAGES = [
    {
        "heading": "1. 체크인·체크아웃 절차",
        "topics": "체크인 절차(15시), 얼리 체크인, 체크아웃(11시), 레이트 체크아웃 요금",
        "form": "섹션 + 목록",
        "keywords": ["레이트 체크아웃", "얼리 체크인", "오전 11시", "등록카드에 서명"],
        "blocks": [
            ("p", "본 매뉴얼은 가상의 '누리호텔' 프런트데스크 직원이 고객 문의에 일관되게 응대할 수 "
                  "있도록 정리한 샘플 문서입니다. 모든 안내는 정중한 존댓말로 하며, 규정에 없는 예외는 "
                  "반드시 당직 지배인의 승인을 받은 뒤 고객에게 안내합니다."),
            ("h2", "1.1 체크인 기본 안내"),
            ("p", "체크인은 오후 3시(15시)부터 가능합니다. 고객이 도착하시면 먼저 밝게 인사한 뒤 "
                  "예약자 성함을 여쭙고, 예약 내역과 투숙 인원, 숙박 일수, 객실 타입을 함께 확인합니다. "
                  "체크인 절차는 다음 순서를 따릅니다."),
            ("ul", [
                "예약 확인: 예약 번호 또는 예약자 성함으로 PMS에서 예약을 조회합니다.",
                "신분 확인: 내국인은 신분증, 해외 고객은 여권을 확인하고 등록카드에 서명을 받습니다.",
                "결제 정보 확인: 선결제 여부와 현장 결제 방법을 확인합니다. 세부 기준은 2쪽을 참고합니다.",
                "객실 키 발급: 객실 번호는 소리 내어 말하지 않고 키 봉투에 적어 전달합니다. "
                "주변 사람이 객실 번호를 듣지 않도록 하기 위한 보안 수칙입니다.",
                "시설 안내: 엘리베이터 위치와 체크아웃 시간을 말씀드리고, 부대시설 안내문을 함께 드립니다.",
            ]),
            ("h2", "1.2 얼리 체크인"),
            ("p", "15시 이전에 도착하신 고객에게는 객실 준비 상황에 따라 얼리 체크인을 제공할 수 있습니다. "
                  "12시부터 15시 사이 입실은 객실이 준비된 경우 30,000원의 추가 요금이 발생하며, "
                  "12시 이전 입실은 전날 1박 요금이 적용됩니다. 객실이 아직 준비되지 않았다면 짐을 "
                  "프런트에 무료로 보관해 드리고, 준비가 끝나는 대로 휴대전화로 연락드리겠다고 안내합니다."),
            ("h2", "1.3 체크아웃과 레이트 체크아웃"),
            ("p", "체크아웃은 오전 11시까지입니다. 체크아웃 시에는 객실 키를 회수하고 추가 이용 내역을 "
                  "고객과 함께 확인한 뒤 정산합니다. 영수증은 종이 또는 이메일 중 고객이 원하시는 방식으로 "
                  "발행해 드립니다. 레이트 체크아웃 요금은 다음과 같습니다."),
            ("ul", [
                "14시까지: 1시간당 20,000원 (당일 객실에 여유가 있는 경우에 한함)",
                "14시부터 18시까지: 해당 객실 1박 요금의 50%",
                "18시 이후: 해당 객실 1박 요금의 100%",
                "멤버십 골드 등급 이상: 14시까지 레이트 체크아웃 1회 무료",
            ]),
            ("p", "레이트 체크아웃은 그날 들어올 예약 현황에 따라 제한될 수 있으므로, 요청을 받으면 바로 "
                  "확답하지 말고 객실 상황을 조회한 뒤 안내합니다. 만실이 예상되는 날에는 최대 13시까지만 "
                  "연장할 수 있습니다."),
        ],
    },
    {
        "heading": "2. 자주 묻는 질문 ①: 예약·요금·결제",
        "topics": "노쇼(No-show) 환불, 예약 취소 수수료, 예약 변경, 보증금(디파짓), 결제 수단",
        "form": "Q&A (Q1–Q5)",
        "keywords": ["노쇼", "No-show", "취소 수수료", "디파짓", "가승인", "카카오페이"],
        "blocks": [
            ("qa", "Q1. 노쇼 고객이 환불을 요청하면 어떻게 하나요?",
             "노쇼(No-show)는 예약일 자정까지 연락 없이 도착하지 않은 경우를 말하며, 첫 1박 요금은 "
             "환불되지 않습니다. 연박 예약이었다면 둘째 날부터의 요금은 전액 환불하고 나머지 예약은 "
             "자동 취소됩니다. 항공편 결항이나 기상 악화처럼 증빙할 수 있는 불가피한 사유가 있으면 증빙 "
             "서류를 받아 당직 지배인에게 환불 예외 승인을 요청합니다."),
            ("qa", "Q2. 예약 취소 수수료는 어떻게 되나요?",
             "투숙일 3일 전까지 취소하시면 수수료 없이 전액 환불됩니다. 2일 전 취소는 1박 요금의 30%, "
             "1일 전 취소는 50%, 투숙 당일 취소는 1박 요금의 100%가 취소 수수료로 부과됩니다. 환불 불가 "
             "특가 상품으로 예약하신 경우에는 취소 시기와 관계없이 환불되지 않는다는 점을 정중히 안내합니다."),
            ("qa", "Q3. 예약 날짜나 객실 타입을 변경하고 싶다고 하시면요?",
             "투숙일 3일 전까지는 변경 수수료가 없으며, 변경 후 요금이 더 높으면 차액만 받습니다. 그 이후의 "
             "날짜 변경은 취소 수수료 기준과 같게 처리합니다. 온라인 여행사(OTA)를 통해 예약하신 고객은 해당 "
             "예약처에서 직접 변경하셔야 하므로 예약처 고객센터를 안내해 드립니다."),
            ("qa", "Q4. 체크인할 때 보증금(디파짓)은 얼마를 받나요?",
             "디파짓은 1박당 100,000원을 신용카드 가승인 방식으로 받으며, 체크아웃 후 추가 사용 내역이 "
             "없으면 가승인이 자동으로 취소됩니다. 현금으로 디파짓을 맡기시면 보관증을 발급하고 체크아웃 때 "
             "전액 돌려드립니다. 가승인 취소가 고객 계좌에 반영되기까지 카드사에 따라 3~7영업일이 걸릴 수 "
             "있다는 점을 반드시 함께 안내합니다."),
            ("qa", "Q5. 어떤 결제 수단을 사용할 수 있나요?",
             "국내외 신용카드와 체크카드, 현금, 계좌이체로 결제하실 수 있으며 간편결제는 카카오페이와 "
             "네이버페이를 지원합니다. 해외에서 발행된 카드는 원화(KRW) 결제를 기본으로 안내해 해외원화결제"
             "(DCC) 수수료가 생기지 않도록 합니다. 법인카드 후불 결제는 사전에 계약된 기업 고객만 가능합니다."),
        ],
    },
    {
        "heading": "3. 자주 묻는 질문 ②: 객실·분실물·민원",
        "topics": "객실 업그레이드, 분실물 처리·보관·발송, 소음 민원, 정숙 시간·방문객",
        "form": "Q&A (Q6–Q10)",
        "keywords": ["업그레이드", "분실물", "소음", "정숙 시간"],
        "blocks": [
            ("qa", "Q6. 고객이 객실 업그레이드를 요청하면 어떻게 하나요?",
             "유료 업그레이드는 당일 잔여 객실이 있을 때 상위 객실과의 1박 요금 차액을 받고 제공합니다. "
             "무료 업그레이드는 객실 점유율이 90% 미만인 날에 한해, 멤버십 상위 등급 고객이나 객실 문제로 "
             "불편을 겪으신 고객에게 지배인 승인 후 제공합니다. 업그레이드가 어려울 때에는 \"오늘은 상위 "
             "객실이 모두 예약되어 있어 어렵습니다\"처럼 이유를 구체적으로 말씀드립니다."),
            ("qa", "Q7. 객실에서 분실물이 발견되면 어떻게 처리하나요?",
             "습득한 물품은 습득 일시, 장소(객실 번호), 습득자, 물품 특징을 분실물 대장에 기록하고 프런트 "
             "보관함에 보관합니다. 현금, 귀금속, 전자기기, 여권 같은 귀중품은 봉투에 넣어 봉인한 뒤 금고에 "
             "보관합니다. 일반 물품은 6개월간 보관하며, 음식물처럼 상하기 쉬운 물품은 24시간 보관 후 폐기합니다."),
            ("qa", "Q8. 고객이 분실물을 찾으러 오시거나 택배 발송을 요청하시면요?",
             "본인 확인 후 물품 특징이 분실물 대장의 기록과 일치하는지 확인하고 수령 서명을 받습니다. "
             "택배 발송은 착불을 원칙으로 하며, 발송 전에 받으실 주소와 연락처를 문자 메시지로 다시 확인합니다. "
             "발송한 날짜와 송장 번호도 대장에 함께 기록합니다."),
            ("qa", "Q9. 옆 객실 소음 민원이 들어오면 어떻게 대응하나요?",
             "먼저 불편을 드린 점을 사과하고 민원 객실 번호와 소음 종류, 발생 시간을 기록합니다. 당직 직원이 "
             "소음이 나는 객실을 직접 방문해 정중하게 협조를 요청하고, 15분 뒤 민원 고객에게 다시 연락해 상황을 "
             "확인합니다. 같은 객실에서 소음이 반복되면 지배인에게 보고하며, 원하시면 조용한 층의 객실로 이동을 "
             "도와드립니다."),
            ("qa", "Q10. 밤늦은 시간의 객실 내 모임이나 방문객 규정은 어떻게 되나요?",
             "22시부터 다음 날 7시까지는 정숙 시간으로, 다른 고객에게 방해가 되는 소리는 자제를 요청합니다. "
             "등록되지 않은 방문객은 22시 이후 객실 출입이 제한되며, 등록 인원을 초과해 투숙하시면 1인당 "
             "30,000원의 추가 요금이 부과됩니다."),
        ],
    },
    {
        "heading": "4. VIP 고객 및 외국인 고객 응대",
        "topics": "VIP 고객 정의·응대 단계·개인정보 보호, 외국인 고객 응대, 관광통역 안내전화 1330",
        "form": "섹션 + 목록",
        "keywords": ["VIP", "1330", "외국인", "인룸 체크인", "통역"],
        "blocks": [
            ("h2", "4.1 VIP 고객 응대 원칙"),
            ("p", "VIP 고객은 멤버십 최상위 등급 고객, 1년에 10박 이상 재방문하시는 고객, 기업 계약 임원, "
                  "지배인이 지정한 고객을 말합니다. VIP 도착 예정 정보는 전날 오후 브리핑에서 공유하고, "
                  "도착 당일 아침에 객실 점검 결과를 한 번 더 확인합니다."),
            ("ul", [
                "도착 전: PMS의 고객 선호 정보(베개 종류, 선호 층, 알레르기)를 확인해 객실에 반영합니다.",
                "도착 시: 성함을 불러 인사하고, 가능하면 객실에서 등록을 진행하는 인룸 체크인을 제공합니다.",
                "웰컴 기프트: 과일 바구니와 환영 카드를 준비하며, 카드에는 총지배인의 서명을 받습니다.",
                "투숙 중: 요청 사항은 담당자 한 명이 끝까지 책임지고 처리 결과를 직접 알려 드립니다.",
                "출발 시: 차량 호출과 짐 운반을 미리 준비하고, 다음 방문에 반영할 선호 정보를 PMS에 기록합니다.",
            ]),
            ("p", "VIP 고객의 개인정보와 투숙 사실은 어떤 경우에도 외부 문의자에게 확인해 주지 않습니다. "
                  "외부에서 객실 전화 연결을 요청하면 고객에게 먼저 연결 여부를 여쭌 뒤 처리합니다."),
            ("h2", "4.2 외국인 고객 응대"),
            ("p", "외국인 고객에게는 쉬운 영어 문장으로 천천히 안내하고, 주요 안내문은 영어·중국어·일본어 "
                  "번역본을 함께 드립니다. 말이 통하지 않는다고 목소리를 높이지 말고, 숫자와 시간은 메모지에 "
                  "적어 보여 드리면 오해를 줄일 수 있습니다."),
            ("ul", [
                "여권 확인: 체크인 시 여권의 성명과 국적을 등록카드에 정확히 옮겨 적습니다.",
                "통역 지원: 의사소통이 어려우면 관광통역 안내전화 1330(한국관광공사)을 이용합니다. "
                "24시간 운영되며 영어, 일본어, 중국어 등 여러 언어로 관광 안내와 통역 도움을 받을 수 있습니다. "
                "해외 휴대전화로 거실 때는 +82-2-1330으로 안내합니다.",
                "환전: 프런트에서는 환전을 하지 않으므로 가까운 은행이나 공항 환전소를 안내합니다.",
                "식이 제한: 할랄, 채식 등 식사 관련 요청은 미리 식음료팀에 공유합니다.",
                "응급 상황: 외국인 고객이 아프거나 다치면 119에 신고하고, 필요하면 1330 통역을 연결해 "
                "의료진과의 소통을 돕습니다.",
            ]),
        ],
    },
    {
        "heading": "5. 자주 묻는 질문 ③: 부대시설 안내",
        "topics": "Wi-Fi 이름·비밀번호·연결 문제, 조식 시간과 장소·요금, 조식 도시락, 주차 요금·발레파킹",
        "form": "Q&A (Q11–Q15)",
        "keywords": ["Wi-Fi", "NURI_GUEST", "조식", "아침뜰", "주차", "발레파킹"],
        "blocks": [
            ("qa", "Q11. Wi-Fi 이름과 비밀번호는 어떻게 안내하나요?",
             "객실 Wi-Fi 네트워크 이름은 NURI_GUEST이며, 비밀번호는 객실 키 봉투 안쪽에 인쇄되어 있습니다. "
             "비밀번호는 매주 월요일에 바뀌므로, 고객이 접속하지 못하시면 최신 비밀번호인지 먼저 확인합니다. "
             "전화로 비밀번호를 안내할 때에는 반드시 객실 번호와 투숙객 성함을 확인합니다."),
            ("qa", "Q12. Wi-Fi가 느리거나 연결되지 않는다고 하시면요?",
             "기기의 Wi-Fi를 껐다 켠 뒤 NURI_GUEST에 다시 접속해 보시도록 안내합니다. 그래도 해결되지 "
             "않으면 전산 당직자에게 객실 번호를 전달해 점검을 요청하고, 급한 업무가 있으신 고객에게는 로비 "
             "비즈니스 코너의 유선 인터넷을 안내합니다."),
            ("qa", "Q13. 조식 시간과 장소는 어떻게 되나요?",
             "조식은 2층 레스토랑 '아침뜰'에서 평일 6시 30분부터 10시까지, 주말과 공휴일에는 7시부터 "
             "10시 30분까지 제공됩니다. 마지막 입장은 종료 30분 전입니다. 조식이 포함되지 않은 고객은 현장에서 "
             "성인 1인 35,000원, 어린이(37개월~12세) 20,000원에 이용하실 수 있습니다."),
            ("qa", "Q14. 일찍 출발하시는 고객이 조식을 드시지 못하면요?",
             "6시 30분 이전에 출발하시는 고객에게는 전날 22시까지 요청을 받아 샌드위치, 과일, 음료로 구성된 "
             "조식 도시락을 준비해 드립니다. 도시락은 출발 당일 아침 프런트에서 받아 가시도록 안내합니다."),
            ("qa", "Q15. 주차할 수 있나요? 주차 요금은 어떻게 되나요?",
             "지하 1층부터 3층까지 주차장을 이용하실 수 있으며, 투숙객은 객실 1개당 차량 1대까지 숙박 기간 "
             "동안 무료입니다. 추가 차량은 1일 15,000원, 방문객은 30분당 3,000원입니다. 발레파킹은 7시부터 "
             "22시까지 운영되며 1회 10,000원입니다. 높이 2.1m를 넘는 차량은 지하 주차장에 들어갈 수 없으므로 "
             "인근 공영주차장을 안내합니다."),
        ],
    },
    {
        "heading": "6. 객실 이용 규정: 반려동물·흡연",
        "topics": "반려동물 정책(대상·요금·서류·보조견), 흡연 규정·특수 청소비, 보고 체계(당직 지배인)",
        "form": "섹션 + 목록",
        "keywords": ["반려동물", "반려견", "안내견", "흡연", "금연", "내선 2000"],
        "blocks": [
            ("h2", "6.1 반려동물 정책"),
            ("p", "누리호텔은 5층의 반려동물 동반 객실에 한해 반려견 입실을 허용합니다. 반려동물 동반은 반드시 "
                  "사전 예약이 필요하며, 현장에서 요청하시면 동반 객실이 남아 있을 때만 가능합니다."),
            ("ul", [
                "대상: 체중 10kg 이하의 반려견 최대 2마리까지 가능하며, 고양이 등 다른 동물은 받지 않습니다.",
                "요금: 반려견 1마리당 1박 30,000원이며, 퇴실 후 특수 청소 비용이 포함되어 있습니다.",
                "서류: 동물등록 정보와 광견병 예방접종 증명서를 입실 수속 때 확인합니다.",
                "공용 공간: 로비와 엘리베이터에서는 목줄이나 이동장을 사용해야 하며, 레스토랑과 피트니스 "
                "시설에는 들어갈 수 없습니다.",
                "예외: 시각장애인 안내견 등 장애인 보조견은 반려동물 정책과 관계없이 모든 객실과 공용 공간에 "
                "동반할 수 있고 추가 요금도 받지 않습니다.",
            ]),
            ("h2", "6.2 흡연 규정"),
            ("p", "호텔의 모든 객실과 실내 공용 공간은 금연 구역입니다. 흡연은 1층 정문 옆 지정 흡연 부스에서만 "
                  "가능하며, 전자담배에도 같은 기준을 적용합니다."),
            ("ul", [
                "객실 내 흡연이 확인되면 특수 청소비 200,000원을 부과합니다.",
                "부과 전에 담배꽁초, 냄새, 연기 감지기 기록 같은 근거를 사진으로 남기고 고객에게 설명합니다.",
                "화재 감지기가 작동했다면 즉시 보안팀과 당직 지배인에게 보고합니다.",
            ]),
            ("h2", "6.3 판단이 어려울 때"),
            ("p", "규정에 없는 요청을 받거나 고객 불만이 해결되지 않을 때에는 혼자 판단하지 말고 당직 지배인"
                  "(내선 2000)에게 보고합니다. 응대 내용은 교대 전에 근무일지에 기록해 다음 근무자에게 인계합니다."),
        ],
    },
]

HOUSEKEEPING_TXT = """\
객실 하우스키핑 안내 (누리호텔 샘플 매뉴얼)
이 문서는 프런트데스크 직원이 객실 정비 관련 요청을 받았을 때 참고하는 요약본입니다.

[1. 객실 정비 시간]
- 정기 객실 정비는 매일 10시부터 16시 사이에 진행합니다.
- 정비를 원하지 않는 고객은 객실 문에 '방해하지 마세요' 표지를 걸어 두시면 됩니다.
- 연박 고객이 정비를 원하지 않으시면 3일에 한 번은 안전 점검을 위해 방문한다고 안내합니다.

[2. 턴다운 서비스]
- 턴다운 서비스는 스위트 객실 고객과 멤버십 상위 등급 고객에게 18시부터 21시 사이에 제공합니다.
- 침구를 정돈하고 조명을 낮추며, 생수 2병과 슬리퍼를 침대 옆에 준비합니다.
- 다른 객실 고객이 요청하시면 하우스키핑 인원 상황을 확인한 뒤 가능 여부를 안내합니다.

[3. 어메니티 추가 요청]
- 칫솔, 치약, 면도기, 빗, 샤워캡은 무료로 추가 제공합니다.
- 수건과 생수는 1일 2회까지 무료로 추가 제공하며, 그 이상은 하우스키핑팀과 협의합니다.
- 요청을 받으면 객실 번호와 품목, 수량을 하우스키핑팀(내선 3000)에 전달하고 20분 안에 전달되도록 합니다.
- 다회용 어메니티 정책에 따라 샴푸와 바디워시는 대용량 용기로 비치되어 있다고 안내합니다.

[4. 침구 교체]
- 침구는 연박 고객 기준 2일마다 교체하며, 고객이 요청하시면 당일 교체합니다.
- 침구가 오염된 경우에는 추가 요금 없이 즉시 교체합니다.
- 알레르기가 있는 고객에게는 저자극 베개와 솜이불을 준비해 드립니다.
- 엑스트라 베드는 1박 40,000원이며 객실 타입에 따라 설치가 어려울 수 있습니다.

[5. 미니바]
- 미니바의 생수 2병은 무료이며, 나머지 음료와 간식은 유료입니다.
- 미니바 사용 내역은 하우스키핑팀이 매일 확인해 객실 요금에 합산합니다.
- 체크아웃 직전 사용분은 고객 확인을 받아 정산하며, 금액에 이의가 있으시면 하우스키핑팀이 재확인합니다.
- 미니바 가격표는 냉장고 위에 비치되어 있습니다.
"""


# ---------------------------------------------------------------------------
# Front-desk manual PDF
# ---------------------------------------------------------------------------

def styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, alignment=TA_LEFT,
                          spaceAfter=6)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=20, leading=26,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, textColor=HexColor("#555555"),
                                   spaceAfter=14),
        "h1": ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=15, leading=20,
                             spaceAfter=10, textColor=HexColor("#1F3A5F")),
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=12, leading=17,
                             spaceBefore=8, spaceAfter=4),
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, spaceAfter=2),
        "q": ParagraphStyle("q", parent=body, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=3,
                            textColor=HexColor("#1F3A5F")),
        "a": ParagraphStyle("a", parent=body, leftIndent=12, spaceAfter=8),
    }


def page_texts(page: dict) -> list[str]:
    """Every text run on a page, for glyph and keyword checks."""
    out = [page["heading"]]
    for block in page["blocks"]:
        kind = block[0]
        if kind == "ul":
            out.extend(block[1])
        elif kind == "qa":
            out.extend([block[1], "A. " + block[2]])
        else:
            out.append(block[1])
    return out


def check_keywords() -> None:
    texts = ["\n".join(page_texts(p)) for p in PAGES]
    for i, page in enumerate(PAGES):
        for kw in page["keywords"]:
            found = [j + 1 for j, t in enumerate(texts) if kw in t]
            if found != [i + 1]:
                sys.exit(f"keyword {kw!r} of page {i + 1} occurs on pages {found}")


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def build_manual(path: Path) -> None:
    st = styles()
    story = [
        para(MANUAL_TITLE, st["title"]),
        para("누리호텔 객실부 · 샘플 문서 (ManualBot 테스트용 가상 매뉴얼)", st["subtitle"]),
    ]
    check_glyphs(MANUAL_TITLE + FOOTER, FONT_BOLD)
    for index, page in enumerate(PAGES):
        if index > 0:
            story.append(PageBreak())
        for text in page_texts(page):
            check_glyphs(text)
            check_glyphs(text, FONT_BOLD)
        story.append(para(page["heading"], st["h1"]))
        for block in page["blocks"]:
            kind = block[0]
            if kind == "p":
                story.append(para(block[1], st["body"]))
            elif kind == "h2":
                story.append(para(block[1], st["h2"]))
            elif kind == "ul":
                items = [ListItem(para(item, st["bullet"]), leftIndent=14) for item in block[1]]
                story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14,
                                          bulletFontName=FONT, bulletFontSize=10.5))
                story.append(Spacer(1, 4))
            elif kind == "qa":
                story.append(KeepTogether([para(block[1], st["q"]), para("A. " + block[2], st["a"])]))
            else:
                raise ValueError(kind)

    def footer(c: canvas.Canvas, doc) -> None:
        c.saveState()
        c.setFont(FONT, 8)
        c.setFillColor(HexColor("#777777"))
        c.drawCentredString(A4[0] / 2, 12 * mm, f"{FOOTER} | {doc.page} / {len(PAGES)}")
        c.restoreState()

    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=22 * mm,
        bottomMargin=22 * mm, title=MANUAL_TITLE, author="ManualBot 샘플",
        subject="호텔 프런트데스크 고객 응대 기준 (가상 샘플)", lang="ko-KR", invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    if doc.page != len(PAGES):
        sys.exit(f"{path.name}: expected {len(PAGES)} pages, layout produced {doc.page}; shorten a page")


def write_readme(path: Path) -> None:
    rows = "\n".join(
        f"| {i} | {p['heading']} | {p['form']} | {p['topics']} | {', '.join(p['keywords'])} |"
        for i, p in enumerate(PAGES, 1)
    )
    path.write_text(f"""\
# Sample manuals

Sample input for ManualBot: a small, original Korean hotel front-desk manual (fictional
hotel "누리호텔") and a short plain-text housekeeping manual. All files here are generated by
`samples/make_sample_manuals.py` — edit the script and re-run it instead of editing the files:

```
pip install reportlab && python3 samples/make_sample_manuals.py
```

| File | What |
|---|---|
| `{MANUAL_PDF_NAME}` | {len(PAGES)} A4 pages, NanumGothic 10.5pt (subset-embedded), title "{MANUAL_TITLE}" |
| `{MANUAL_TXT_NAME}` | UTF-8 plain text (턴다운 서비스, 어메니티 추가 요청, 침구 교체, 미니바) — exercises `.txt` ingestion |

## Pages of `{MANUAL_PDF_NAME}`

Each page has its own heading and distinct content. The words in the last column occur on that
page only (the generator checks this), so retrieval tests can expect a specific page. Every page
also carries the footer "{FOOTER} | N / {len(PAGES)}".

| Page | Heading | Form | Topics | Page-unique keywords |
|---|---|---|---|---|
{rows}
""", encoding="utf-8")


# ---------------------------------------------------------------------------
# Test fixtures
# ---------------------------------------------------------------------------

KOREAN_PAGES = [
    ("첫번째 페이지 체크인 안내", "체크인은 오후 3시부터 가능합니다.", "체크인"),
    ("두번째 페이지 환불 규정 노쇼", "노쇼 고객에게는 첫날 숙박 요금이 부과됩니다.", "노쇼"),
    ("세번째 페이지 주차 요금", "투숙객 차량은 1대까지 무료로 세울 수 있습니다.", "주차"),
]
KOREAN_TITLE = "테스트 문서"


def build_korean_pages(path: Path) -> None:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(KOREAN_TITLE)
    c.setAuthor("ManualBot 테스트")
    for marker, sentence, _ in KOREAN_PAGES:
        check_glyphs(marker + sentence)
        c.setFont(FONT, 16)
        c.drawString(25 * mm, A4[1] - 35 * mm, marker)
        c.setFont(FONT, 11)
        c.drawString(25 * mm, A4[1] - 48 * mm, sentence)
        c.showPage()
    c.save()


def build_blank_pages(path: Path) -> None:
    """Two pages of vector drawings only: no fonts, no text operators (like a scan without OCR)."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("")  # reportlab would write "untitled"; an empty Title means "no title"
    c.setAuthor("")
    c.setSubject("")
    width, height = A4
    for page in range(2):
        c.setStrokeColor(HexColor("#333333"))
        c.setLineWidth(1.5)
        c.rect(20 * mm, 20 * mm, width - 40 * mm, height - 40 * mm)
        c.setFillColor(HexColor("#BBBBBB"))
        for line in range(12 + 4 * page):  # grey bars standing in for scanned text lines
            c.rect(30 * mm, height - (40 + 9 * line) * mm, (120 - 7 * (line % 4)) * mm, 3 * mm,
                   stroke=0, fill=1)
        c.showPage()
    c.save()


def write_fixtures_json(path: Path) -> None:
    data = {
        "generator": "samples/make_sample_manuals.py",
        "fixtures": [
            {
                "file": "korean_pages.pdf",
                "pageCount": len(KOREAN_PAGES),
                "title": KOREAN_TITLE,
                "hasText": True,
                "pages": [
                    {
                        "page": i,
                        "contains": [marker, sentence],
                        "uniqueMarker": unique,
                        "mustNotContain": [u for _, _, u in KOREAN_PAGES if u != unique],
                    }
                    for i, (marker, sentence, unique) in enumerate(KOREAN_PAGES, 1)
                ],
            },
            {
                "file": "blank_pages.pdf",
                "pageCount": 2,
                "title": None,
                "titleNote": "Info /Title is an empty string; extractors should report no title.",
                "hasText": False,
                "description": "Vector drawings only (border + grey bars), no fonts or text: "
                               "behaves like a scanned PDF without an OCR text layer.",
                "pages": [{"page": 1, "contains": []}, {"page": 2, "contains": []}],
            },
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    register_fonts()
    check_keywords()
    MANUALS_DIR.mkdir(parents=True, exist_ok=True)
    FIXTURES_DIR.mkdir(parents=True, exist_ok=True)

    outputs = [
        MANUALS_DIR / MANUAL_PDF_NAME,
        MANUALS_DIR / MANUAL_TXT_NAME,
        MANUALS_DIR / "README.md",
        FIXTURES_DIR / "korean_pages.pdf",
        FIXTURES_DIR / "blank_pages.pdf",
        FIXTURES_DIR / "fixtures.json",
    ]
    build_manual(outputs[0])
    outputs[1].write_text(HOUSEKEEPING_TXT, encoding="utf-8")
    write_readme(outputs[2])
    build_korean_pages(outputs[3])
    build_blank_pages(outputs[4])
    write_fixtures_json(outputs[5])
    for out in outputs:
        print(f"{out.stat().st_size:>8}  {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
