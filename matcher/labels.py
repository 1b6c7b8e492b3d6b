"""Display labels (Vietnamese and English) for taxonomy keys and explanation phrases.

Keys are those of ``schema/taxonomy.json``; a test checks that every key has both labels.
"""

from __future__ import annotations

LANGS = ("vi", "en")

SECTORS: dict[str, tuple[str, str]] = {  # key -> (vi, en)
    "ai": ("Trí tuệ nhân tạo", "Artificial intelligence"),
    "semiconductors": ("Bán dẫn, vi mạch", "Semiconductors"),
    "digital_transformation": ("Chuyển đổi số", "Digital transformation"),
    "cybersecurity": ("An ninh mạng", "Cybersecurity"),
    "cloud_data_centers": ("Điện toán đám mây, trung tâm dữ liệu", "Cloud and data centres"),
    "telecom_5g": ("Viễn thông, 5G", "Telecom and 5G"),
    "iot": ("Internet vạn vật (IoT)", "Internet of things"),
    "robotics_automation": ("Robot và tự động hóa", "Robotics and automation"),
    "quantum": ("Công nghệ lượng tử", "Quantum technology"),
    "biotech": ("Công nghệ sinh học", "Biotechnology"),
    "healthtech": ("Công nghệ y tế", "Health technology"),
    "agritech": ("Nông nghiệp, thủy sản, thực phẩm", "Agriculture, aquaculture and food"),
    "fintech": ("Công nghệ tài chính", "Fintech"),
    "edtech": ("Công nghệ giáo dục", "Education technology"),
    "cleantech_energy": ("Năng lượng sạch", "Clean energy"),
    "green_transition": ("Chuyển đổi xanh", "Green transition"),
    "advanced_materials": ("Vật liệu tiên tiến", "Advanced materials"),
    "manufacturing": ("Sản xuất thông minh", "Smart manufacturing"),
    "logistics": ("Logistics, giao thông", "Logistics and mobility"),
    "smart_cities": ("Đô thị thông minh", "Smart cities"),
    "halal": ("Công nghiệp Halal", "Halal industry"),
    "ecommerce": ("Thương mại điện tử, bán lẻ", "E-commerce and retail"),
    "space": ("Công nghệ vũ trụ", "Space technology"),
}

MODES: dict[str, tuple[str, str]] = {
    "technology_transfer": ("Chuyển giao công nghệ", "Technology transfer"),
    "joint_rnd": ("Hợp tác nghiên cứu và phát triển", "Joint R&D"),
    "investment": ("Đầu tư", "Investment"),
    "market_access": ("Tiếp cận thị trường", "Market access"),
    "licensing_ip": ("Cấp phép sở hữu trí tuệ", "IP licensing"),
    "acquisition": ("Mua lại công nghệ, doanh nghiệp", "Acquisition"),
    "training_talent": ("Đào tạo nhân lực", "Training and talent"),
    "expert_exchange": ("Trao đổi chuyên gia", "Expert exchange"),
    "pilot_customer": ("Thí điểm, khách hàng đầu tiên", "Pilot projects and first customers"),
    "platform_infrastructure": ("Nền tảng, hạ tầng", "Platform and infrastructure"),
    "incubation_acceleration": ("Ươm tạo, tăng tốc", "Incubation and acceleration"),
    "standards": ("Tiêu chuẩn, chứng nhận", "Standards and certification"),
}

KINDS: dict[str, tuple[str, str]] = {
    "startup": ("Khởi nghiệp", "Startup"),
    "incubator": ("Vườn ươm, tăng tốc", "Incubator"),
    "cluster": ("Cụm đổi mới sáng tạo", "Innovation cluster"),
    "partner": ("Đối tác nước ngoài", "Foreign partner"),
    "expert": ("Chuyên gia", "Expert"),
}

AVAILABILITY: dict[str, tuple[str, str]] = {
    "advisory": ("Tư vấn định kỳ", "Advisory"),
    "remote_collaboration": ("Cộng tác từ xa", "Remote collaboration"),
    "short_visit": ("Chuyến công tác ngắn", "Short visits"),
    "relocation": ("Sẵn sàng chuyển đến Việt Nam", "Open to relocating"),
    "co_founding": ("Đồng sáng lập", "Co-founding"),
    "teaching": ("Giảng dạy, hướng dẫn", "Teaching and supervision"),
}

IP_ASSET_TYPES: dict[str, tuple[str, str]] = {
    "patent": ("Bằng sáng chế", "Patent"),
    "patent_application": ("Đơn đăng ký sáng chế", "Patent application"),
    "software": ("Phần mềm, mã nguồn", "Software"),
    "design": ("Kiểu dáng, thiết kế bố trí vi mạch", "Design or chip layout"),
    "know_how": ("Bí quyết công nghệ", "Know-how"),
    "dataset": ("Dữ liệu, mô hình đã huấn luyện", "Data set or trained model"),
}

IP_TRANSFER_MODES: dict[str, tuple[str, str]] = {
    "licence": ("Cấp phép", "Licence"),
    "sale": ("Bán đứt", "Sale"),
    "joint_development": ("Cùng phát triển", "Joint development"),
    "acquisition": ("Sẵn sàng bán hoặc nhận đầu tư", "Open to acquisition"),
}

STAGES: dict[str, tuple[str, str]] = {
    "idea": ("Ý tưởng", "Idea"),
    "pre_seed": ("Tiền hạt giống", "Pre-seed"),
    "seed": ("Hạt giống", "Seed"),
    "series_a": ("Vòng A", "Series A"),
    "series_b_plus": ("Vòng B trở lên", "Series B+"),
    "growth": ("Tăng trưởng", "Growth"),
    "mature": ("Trưởng thành", "Mature"),
}

COMPONENTS: dict[str, tuple[str, str]] = {
    "dense_reciprocal": ("Nhu cầu ↔ năng lực (ngữ nghĩa, hai chiều)", "Needs ↔ offers (semantic, both ways)"),
    "dense_domain": ("Lĩnh vực hoạt động gần nhau", "Related fields of work"),
    "lexical_reciprocal": ("Nhu cầu ↔ năng lực (thuật ngữ, hai chiều)", "Needs ↔ offers (terms, both ways)"),
    "lexical_domain": ("Thuật ngữ chung", "Shared terminology"),
    "competition": ("Trùng nhu cầu hoặc năng lực (đối thủ)", "Same needs or offers (competitors)"),
    "sectors": ("Ngành", "Sectors"),
    "modes": ("Hình thức hợp tác bổ sung", "Complementary cooperation modes"),
    "stage": ("Giai đoạn phù hợp", "Stage fit"),
    "countries": ("Quốc gia ưu tiên", "Preferred countries"),
    "languages": ("Ngôn ngữ làm việc", "Working languages"),
    "kinds": ("Loại tổ chức", "Kind of organisation"),
}

# A component's label when its contribution lowers the fit: a COMPONENTS label names what raises
# it ("Complementary cooperation modes") and would read false on a negative bar.
COMPONENTS_LOWERING: dict[str, tuple[str, str]] = {
    "dense_reciprocal": ("Nhu cầu và năng lực ít liên quan (ngữ nghĩa)", "Needs and offers barely related (semantic)"),
    "dense_domain": ("Lĩnh vực hoạt động khác xa nhau", "Fields of work far apart"),
    "lexical_reciprocal": ("Nhu cầu và năng lực ít thuật ngữ chung", "Needs and offers share few terms"),
    "lexical_domain": ("Ít thuật ngữ chung", "Little shared terminology"),
    "competition": ("Trùng nhu cầu hoặc năng lực (đối thủ)", "Same needs or offers (competitors)"),
    "sectors": ("Ngành không liên quan", "Unrelated sectors"),
    "modes": ("Hình thức hợp tác không bổ sung cho nhau", "Cooperation modes do not complement each other"),
    "stage": ("Giai đoạn chưa phù hợp", "Stage does not fit"),
    "countries": ("Ngoài quốc gia ưu tiên", "Outside the preferred countries"),
    "languages": ("Không có ngôn ngữ làm việc chung", "No shared working language"),
    "kinds": ("Loại tổ chức ít phù hợp", "Kinds of organisation that pair poorly"),
}

FIELDS: dict[str, tuple[str, str]] = {
    "needs": ("nhu cầu", "needs"),
    "offers": ("năng lực cung cấp", "offers"),
    "description": ("mô tả", "description"),
    "documents": ("tài liệu", "document"),
    "ip_assets": ("tài sản công nghệ", "technology asset"),
    "search": ("tìm kiếm", "search"),
}

PHRASES: dict[str, tuple[str, str]] = {
    "fit": ("Độ phù hợp {fit}/100", "Fit {fit}/100"),
    "your_need": ("Bạn cần", "You need"),
    "their_need": ("Họ cần", "They need"),
    "they_offer": ("họ có", "they offer"),
    "you_offer": ("bạn có", "you offer"),
    "query": ("Tìm kiếm", "Search"),
    "found_in": ("khớp với", "matches"),
    "in_field": ("trong {field}", "in the {field}"),
    "in_document": ("trong tài liệu “{title}”", "in the document “{title}”"),
    "in_asset": ("trong tài sản công nghệ “{title}”", "in the technology asset “{title}”"),
    "trl": ("TRL {trl}", "TRL {trl}"),
    "shared_sectors": ("Ngành chung", "Shared sectors"),
    "shared_technologies": ("Công nghệ chung", "Shared technologies"),
    "you_seek_they_offer": ("Bạn tìm, họ cung cấp", "You seek, they offer"),
    "they_seek_you_offer": ("Họ tìm, bạn cung cấp", "They seek, you offer"),
    "mutual": ("Cả hai cùng tìm", "Both seek"),
    "competitor": (
        "Lưu ý: hai bên có nhu cầu hoặc năng lực giống nhau (có thể là đối thủ).",
        "Note: both sides need or offer similar things (possible competitors).",
    ),
    "preferred_country": ("Thuộc quốc gia ưu tiên", "From a preferred country"),
    "shared_languages": ("Ngôn ngữ chung", "Shared languages"),
    "stage_fit": ("Giai đoạn phù hợp", "Stage fits"),
    "stage_mismatch": ("Giai đoạn chưa phù hợp", "Stage does not fit"),
    "untitled": ("không tên", "untitled"),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """The ``lang`` label of ``key`` in ``table``; an unknown language fails listing the valid ones;
    an unknown key is shown as itself (data may carry keys newer than this table)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")
    pair = table.get(key)
    return key if pair is None else pair[LANGS.index(lang)]


def component_label(key: str, contribution: float, lang: str) -> str:
    """The ``lang`` label of score component ``key`` that reads true for its ``contribution``:
    from ``COMPONENTS_LOWERING`` when it lowers the fit, else from ``COMPONENTS``."""
    return label(COMPONENTS_LOWERING if contribution < 0 else COMPONENTS, key, lang)
