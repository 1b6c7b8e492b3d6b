"""The bilingual glossary's data: concept → surface forms (English and Vietnamese), acronyms.

See ``matcher.glossary`` for how the forms are matched. Forms are "|"-separated, any case,
hyphens count as spaces; a Vietnamese form of one syllable matches only with its diacritics.
"""

from __future__ import annotations

# concept key -> "|"-separated surface forms (English and Vietnamese, any case, hyphens = spaces)
CONCEPTS: dict[str, str] = {
    # --- ai and data
    "ai": "artificial intelligence|trí tuệ nhân tạo|ai-powered|ai-based|ai solution|giải pháp ai",
    "machine_learning": "machine learning|học máy|mô hình học máy|predictive model|mô hình dự báo",
    "deep_learning": "deep learning|học sâu|neural network|mạng nơ-ron|mạng neuron|mạng thần kinh",
    "computer_vision": "computer vision|thị giác máy tính|image recognition|nhận dạng hình ảnh|nhận diện hình ảnh|"
    "xử lý ảnh|image processing|video analytics|phân tích video|object detection|nhận diện khuôn mặt|face recognition",
    "nlp": "natural language processing|xử lý ngôn ngữ tự nhiên|text analytics|phân tích văn bản",
    "llm": "large language model|mô hình ngôn ngữ lớn|generative ai|ai tạo sinh|chatbot|trợ lý ảo|virtual assistant",
    "speech": "speech recognition|nhận dạng giọng nói|nhận diện giọng nói|speech to text|text to speech|tổng hợp giọng nói|voice ai",
    "data_analytics": "data analytics|phân tích dữ liệu|big data|dữ liệu lớn|business intelligence|data science|khoa học dữ liệu",
    "data_platform": "data platform|nền tảng dữ liệu|data warehouse|kho dữ liệu|data lake|data management|quản trị dữ liệu",
    "ai_inference": "inference|suy luận|edge ai|ai tại biên|ai accelerator|bộ tăng tốc ai|inference hardware|phần cứng suy luận",
    "dataset": "dataset|bộ dữ liệu|tập dữ liệu|data labeling|data labelling|gán nhãn dữ liệu|annotation",
    "vietnamese_language": "vietnamese language|tiếng việt|vietnamese text|vietnamese speech",
    # --- semiconductors
    "semiconductor": "semiconductor|bán dẫn|chip|chíp|microchip|vi mạch|integrated circuit|mạch tích hợp|"
    "microelectronics|vi điện tử|system on chip",
    "chip_design": "chip design|ic design|thiết kế vi mạch|thiết kế chip|vlsi|asic|fpga|eda|rtl|physical design|"
    "thiết kế vật lý|design verification|kiểm chứng thiết kế",
    "chip_packaging": "chip packaging|packaging and testing|đóng gói chip|đóng gói và kiểm thử|osat|đóng gói vi mạch|"
    "kiểm thử chip|advanced packaging|đóng gói tiên tiến|assembly and test",
    "chip_fabrication": "wafer|tấm bán dẫn|tấm wafer|foundry|xưởng đúc|nhà máy chế tạo chip|chế tạo vi mạch|wafer fabrication|"
    "chế tạo chip|fab",
    "risc_v": "risc v|risc-v",
    "power_electronics": "power electronics|điện tử công suất|silicon carbide|gallium nitride",
    # --- digital transformation, software
    "digital_transformation": "digital transformation|chuyển đổi số|số hóa|digitalisation|digitalization",
    "e_government": "digital government|e-government|chính phủ số|chính phủ điện tử|dịch vụ công trực tuyến|"
    "online public services|public service|dịch vụ công",
    "erp": "erp|enterprise resource planning|hoạch định nguồn lực doanh nghiệp|quản trị doanh nghiệp",
    "saas": "saas|software as a service|phần mềm dịch vụ",
    "software_development": "software development|phát triển phần mềm|software engineering|kỹ thuật phần mềm|"
    "lập trình|application development|phát triển ứng dụng|software company|công ty phần mềm",
    "outsourcing": "outsourcing|gia công phần mềm|thuê ngoài|offshore development",
    "mobile_app": "mobile app|ứng dụng di động|mobile application",
    "blockchain": "blockchain|chuỗi khối|distributed ledger|sổ cái phân tán",
    "digital_twin": "digital twin|bản sao số|song sinh số",
    "cloud": "cloud computing|điện toán đám mây|đám mây|cloud|cloud platform|nền tảng đám mây",
    "data_center": "data center|data centre|trung tâm dữ liệu",
    "hpc": "high performance computing|tính toán hiệu năng cao|hpc|supercomputer|siêu máy tính|gpu|gpu cluster",
    "edge_computing": "edge computing|điện toán biên",
    # --- cybersecurity
    "cybersecurity": "cybersecurity|cyber security|an ninh mạng|an toàn thông tin|bảo mật|information security|"
    "network security|security|an ninh thông tin",
    "digital_identity": "digital identity|định danh điện tử|định danh số|ekyc|xác thực|authentication|"
    "identity verification|xác minh danh tính",
    "cryptography": "encryption|mã hóa|cryptography|mật mã|post quantum cryptography|mật mã hậu lượng tử",
    "threat_detection": "threat detection|phát hiện tấn công|security operations center|trung tâm điều hành an ninh mạng|"
    "penetration testing|kiểm thử xâm nhập|threat intelligence|malware|mã độc",
    "digital_sovereignty": "digital sovereignty|chủ quyền số|data sovereignty|chủ quyền dữ liệu",
    # --- telecom, iot
    "telecom": "telecommunications|telecommunication|viễn thông|telecom|telco|nhà mạng",
    "5g": "5g|6g|mạng 5g|private 5g|5g network",
    "network_equipment": "network equipment|thiết bị mạng|open ran|o ran|base station|trạm gốc|thiết bị viễn thông",
    "iot": "internet of things|internet vạn vật|iot|vạn vật kết nối|iiot|industrial iot",
    "sensor": "sensor|cảm biến|sensing",
    "embedded": "embedded system|hệ thống nhúng|embedded software|phần mềm nhúng|firmware|vi điều khiển|microcontroller|embedded",
    "lpwan": "lorawan|lora|nb iot|lpwan",
    # --- robotics and automation
    "robotics": "robot|robotics|người máy|rô bốt|rô-bốt|cobot|robot công nghiệp|industrial robot",
    "automation": "industrial automation|tự động hóa|automation|plc|scada|dây chuyền tự động",
    "drone": "drone|uav|unmanned aerial vehicle|thiết bị bay không người lái|máy bay không người lái",
    "autonomous_vehicle": "autonomous vehicle|xe tự hành|self driving|autonomous driving|lái tự động",
    # --- quantum
    "quantum": "quantum|lượng tử|quantum computing|máy tính lượng tử|điện toán lượng tử|quantum communication|"
    "truyền thông lượng tử|quantum sensing|cảm biến lượng tử|qubit",
    # --- biotech, health
    "biotech": "biotechnology|công nghệ sinh học|life sciences|khoa học sự sống|biotech|sinh học",
    "pharma": "pharmaceutical|dược phẩm|drug discovery|nghiên cứu thuốc|thuốc mới|dược liệu|medicinal herbs|pharma|"
    "generic drug|thuốc generic",
    "vaccine": "vaccine|vắc xin|vắc-xin|vacxin|vaccines",
    "genomics": "genomics|genome|hệ gen|bộ gen|giải trình tự gen|gene sequencing|di truyền|genetic|sequencing|giải trình tự",
    "diagnostics": "diagnostics|chẩn đoán|xét nghiệm|test kit|bộ kit xét nghiệm|in vitro diagnostic|diagnostic",
    "bioprocess": "fermentation|lên men|bioreactor|enzyme|probiotic|men vi sinh|vi sinh vật|microorganism|microbial",
    "healthtech": "digital health|y tế số|healthtech|health technology|công nghệ y tế|telemedicine|khám chữa bệnh từ xa|"
    "y tế từ xa|telehealth|chăm sóc sức khỏe|healthcare|health care",
    "medical_device": "medical device|thiết bị y tế|trang thiết bị y tế|medical equipment",
    "medical_imaging": "medical imaging|chẩn đoán hình ảnh|x ray|x quang|mri|ct scan|ảnh y tế|radiology",
    "hospital": "hospital|bệnh viện|clinic|phòng khám|cơ sở y tế",
    "health_records": "electronic health record|hồ sơ sức khỏe điện tử|bệnh án điện tử|electronic medical record|"
    "hồ sơ bệnh án",
    # --- agriculture and food
    "agriculture": "agriculture|nông nghiệp|farming|canh tác|farm|trang trại|agritech|nông nghiệp công nghệ cao|"
    "smart farming|nông nghiệp thông minh|precision agriculture|nông nghiệp chính xác|farmer|nông dân|nông sản|"
    "agricultural",
    "aquaculture": "aquaculture|nuôi trồng thủy sản|thủy sản|fish farming|nuôi cá|shrimp|nuôi tôm|con tôm|seafood|hải sản|"
    "fisheries|ao nuôi|recirculating aquaculture|nuôi tuần hoàn|tuần hoàn khép kín|hệ thống tuần hoàn",
    "crops": "rice|lúa gạo|cây lúa|coffee|cà phê|crop|cây trồng|fruit|trái cây|durian|sầu riêng|hồ tiêu|pepper|"
    "cashew|hạt điều|dragon fruit|thanh long|mango|xoài",
    "food_technology": "food technology|công nghệ thực phẩm|food processing|chế biến thực phẩm|food safety|"
    "an toàn thực phẩm|post harvest|sau thu hoạch|bảo quản nông sản|cold chain|chuỗi lạnh|food|thực phẩm",
    "traceability": "traceability|truy xuất nguồn gốc|truy xuất|provenance",
    "irrigation": "irrigation|tưới tiêu|thủy lợi|water management|quản lý nước|xâm nhập mặn|salinity|saltwater intrusion",
    "livestock": "livestock|chăn nuôi|poultry|gia cầm|cattle|gia súc",
    "fertiliser": "fertilizer|fertiliser|phân bón|soil health|đất trồng|biofertilizer|phân bón vi sinh",
    # --- finance
    "fintech": "fintech|công nghệ tài chính|financial technology|tài chính số|digital finance",
    "payment": "payment|thanh toán|e wallet|ví điện tử|mobile money|qr payment|thanh toán không tiền mặt|cashless|"
    "payment gateway|cổng thanh toán",
    "banking": "banking|ngân hàng|digital bank|ngân hàng số|open banking|core banking",
    "insurance": "insurance|bảo hiểm|insurtech",
    "lending": "lending|cho vay|credit scoring|chấm điểm tín dụng|tín dụng|microfinance|tài chính vi mô|credit",
    # --- education
    "edtech": "edtech|công nghệ giáo dục|education technology|e learning|học trực tuyến|đào tạo trực tuyến|"
    "online learning|learning management system|nền tảng học tập|learning platform",
    "education": "education|giáo dục|school|trường học|student|học sinh|sinh viên|teacher|giáo viên",
    "stem": "stem|steam|stem education|giáo dục stem",
    "language_learning": "language learning|học ngoại ngữ|english learning|học tiếng anh",
    # --- energy
    "renewable_energy": "renewable energy|năng lượng tái tạo|clean energy|năng lượng sạch|renewables|new energy|năng lượng mới",
    "solar": "solar|năng lượng mặt trời|điện mặt trời|photovoltaic|quang điện|solar power|rooftop solar|điện mặt trời mái nhà",
    "wind": "wind power|điện gió|năng lượng gió|offshore wind|điện gió ngoài khơi|wind energy|wind turbine|tua bin gió",
    "energy_storage": "energy storage|lưu trữ năng lượng|battery|pin lưu trữ|bess|battery storage|lithium|pin lithium|"
    "battery recycling|tái chế pin",
    "hydrogen": "hydrogen|hydro xanh|green hydrogen|hiđrô|khí hydro|fuel cell|pin nhiên liệu|ammonia|amoniac",
    "smart_grid": "smart grid|lưới điện thông minh|power grid|lưới điện|microgrid|lưới điện siêu nhỏ",
    "energy_efficiency": "energy efficiency|tiết kiệm năng lượng|hiệu quả năng lượng|sử dụng năng lượng hiệu quả|energy management",
    "electric_vehicle": "electric vehicle|xe điện|ev charging|sạc xe điện|trạm sạc|e mobility|xe máy điện|electric motorbike|"
    "charging station",
    "bioenergy": "biomass|sinh khối|biogas|khí sinh học|waste to energy|điện rác|biofuel|nhiên liệu sinh học",
    # --- green transition
    "carbon_credit": "carbon credit|tín chỉ carbon|tín chỉ các bon|tín chỉ cácbon|carbon market|thị trường carbon|"
    "carbon offset|bù trừ carbon|carbon trading",
    "emissions": "emissions|phát thải|khí thải|greenhouse gas|khí nhà kính|ghg|carbon footprint|dấu chân carbon|mrv|"
    "net zero|phát thải ròng bằng 0|decarbonisation|decarbonization|khử carbon|giảm phát thải|carbon accounting|"
    "kiểm kê khí nhà kính|emission measurement|đo lường phát thải",
    "esg": "esg|sustainability reporting|báo cáo phát triển bền vững|sustainability|phát triển bền vững|bền vững",
    "circular_economy": "circular economy|kinh tế tuần hoàn|recycling|tái chế|waste management|quản lý chất thải|"
    "rác thải|plastic waste|rác thải nhựa|chất thải",
    "green_transition": "green transition|chuyển đổi xanh|green growth|tăng trưởng xanh|xanh hóa|green economy|kinh tế xanh",
    "climate": "climate change|biến đổi khí hậu|climate adaptation|thích ứng khí hậu|climate resilience|climate",
    "water_treatment": "water treatment|xử lý nước|biofilter|lọc sinh học|wastewater|nước thải|clean water|nước sạch|water purification",
    # --- materials, manufacturing
    "advanced_materials": "advanced materials|vật liệu tiên tiến|vật liệu mới|new materials|materials science|"
    "khoa học vật liệu|vật liệu",
    "nanomaterials": "nanomaterial|vật liệu nano|nanotechnology|công nghệ nano|graphene|nano",
    "rare_earth": "rare earth|đất hiếm|rare earths|critical minerals|khoáng sản chiến lược|khoáng sản quan trọng|"
    "rare earth recovery|thu hồi đất hiếm|khoáng sản",
    "composites": "composite|vật liệu composite|polymer|vật liệu tổng hợp",
    "metallurgy": "metallurgy|luyện kim|magnet|nam châm|nam châm vĩnh cửu|permanent magnet|alloy|hợp kim",
    "smart_manufacturing": "smart manufacturing|sản xuất thông minh|smart factory|nhà máy thông minh|industry 4.0|"
    "công nghiệp 4.0|cách mạng công nghiệp lần thứ tư",
    "electronics_manufacturing": "electronics manufacturing|sản xuất điện tử|pcb|bảng mạch in|printed circuit board|"
    "lắp ráp điện tử|electronics assembly|linh kiện điện tử|electronic components|ems",
    "supply_chain": "supply chain|chuỗi cung ứng|supplier|nhà cung cấp|công nghiệp hỗ trợ|supporting industries",
    "quality_inspection": "predictive maintenance|bảo trì dự đoán|bảo trì dự báo|quality inspection|kiểm tra chất lượng|"
    "kiểm soát chất lượng|quality control|defect detection|phát hiện lỗi",
    "precision_engineering": "precision engineering|cơ khí chính xác|cơ khí|mechanical engineering|cnc|3d printing|"
    "in 3d|additive manufacturing|sản xuất bồi đắp",
    "textile": "textile|dệt may|garment|may mặc|footwear|da giày",
    # --- logistics, cities, space, commerce
    "logistics": "logistics|hậu cần|freight|vận tải hàng hóa|warehouse|kho bãi|kho vận|fulfillment|fulfilment|"
    "giao nhận|forwarding",
    "mobility": "mobility|ride hailing|gọi xe|public transport|giao thông công cộng|transport|giao thông vận tải|vận tải",
    "delivery": "last mile|giao hàng chặng cuối|delivery|giao hàng|chặng cuối",
    "maritime": "port|cảng biển|shipping|hàng hải|maritime|cảng container|container",
    "smart_city": "smart city|thành phố thông minh|đô thị thông minh|smart cities|urban technology|công nghệ đô thị",
    "urban_planning": "urban planning|quy hoạch đô thị|urban|đô thị|quy hoạch",
    "traffic": "traffic|giao thông|traffic management|quản lý giao thông|ùn tắc|congestion",
    "construction": "smart building|tòa nhà thông minh|building management|construction|xây dựng|bim|proptech|bất động sản|"
    "real estate",
    "gis": "gis|geographic information|hệ thống thông tin địa lý|bản đồ số|digital map|mapping|geospatial|không gian địa lý",
    "halal": "halal|chứng nhận halal|halal certification|thực phẩm halal|halal food",
    "muslim_market": "muslim|hồi giáo|islamic|đạo hồi|middle east|trung đông",
    "ecommerce": "e commerce|ecommerce|thương mại điện tử|online marketplace|sàn thương mại điện tử|sàn tmđt|"
    "online shopping|mua sắm trực tuyến|marketplace|online store|cửa hàng trực tuyến",
    "retail": "retail|bán lẻ|consumer|người tiêu dùng|tiêu dùng|consumer goods|hàng tiêu dùng|fmcg",
    "marketing": "digital marketing|tiếp thị số|marketing|tiếp thị|crm|customer relationship|quản lý khách hàng",
    "export": "cross border e commerce|thương mại xuyên biên giới|export|xuất khẩu|import|nhập khẩu|international trade|"
    "thương mại quốc tế|global market|thị trường quốc tế|thị trường nước ngoài|overseas market",
    "space": "space technology|công nghệ vũ trụ|vũ trụ|space|aerospace|hàng không vũ trụ|space industry|ngành vũ trụ",
    "satellite": "satellite|vệ tinh|earth observation|quan sát trái đất|remote sensing|viễn thám|satellite imagery|"
    "ảnh vệ tinh|ground station|trạm mặt đất",
    # --- technical terms common across the sectors (second pass: health, agriculture, energy,
    # industry, education, digital government)
    "hypertension_diabetes": "hypertension|tăng huyết áp|cao huyết áp|diabetes|đái tháo đường|tiểu đường|"
    "non communicable disease|bệnh không lây nhiễm|chronic disease|bệnh mãn tính|bệnh mạn tính",
    "infectious_disease": "infectious disease|bệnh truyền nhiễm|dengue|sốt xuất huyết|malaria|sốt rét|tuberculosis|"
    "bệnh lao|arbovirus|virus|vi rút|pathogen|mầm bệnh|dịch bệnh|outbreak|epidemic",
    "rapid_test": "rapid test|que thử nhanh|xét nghiệm nhanh|lateral flow|sắc ký miễn dịch|point of care|"
    "immunoassay|miễn dịch",
    "primary_care": "primary care|chăm sóc ban đầu|y tế cơ sở|trạm y tế|commune health|community health|y tế xã",
    "remote_monitoring": "remote monitoring|theo dõi từ xa|giám sát từ xa|wearable|thiết bị đeo",
    "ultrasound": "ultrasound|siêu âm|probe|đầu dò",
    "cancer": "cancer|ung thư|oncology|ung bướu|tumor|khối u",
    "elderly_care": "elderly care|chăm sóc người cao tuổi|aging|người cao tuổi|già hóa",
    "greenhouse": "greenhouse|nhà kính|nhà màng|net house|polyhouse|controlled environment agriculture|vertical farm|"
    "nông nghiệp trong nhà",
    "hydroponics": "hydroponic|thủy canh|aquaponic|khí canh|soilless|giá thể",
    "drip_irrigation": "drip irrigation|tưới nhỏ giọt|fertigation|bón phân qua nước|micro irrigation|tưới phun",
    "biochar": "biochar|than sinh học|pyrolysis|nhiệt phân|rice straw|rơm rạ|rice husk|trấu|crop residue|phụ phẩm nông nghiệp",
    "rice_methane": "alternate wetting and drying|tưới ngập khô xen kẽ|ướt khô xen kẽ|awd|methane|mê tan|khí metan|"
    "paddy|ruộng lúa|lúa nước",
    "biocontrol": "biocontrol|kiểm soát sinh học|phòng trừ sinh học|biopesticide|thuốc trừ sâu sinh học|"
    "chế phẩm sinh học|trichoderma|pest|sâu bệnh|dịch hại|plant disease|bệnh cây|root rot|thối rễ|fungus|nấm bệnh",
    "plant_breeding": "tissue culture|nuôi cấy mô|plant breeding|chọn giống|giống cây|seedling|cây giống|"
    "root culture|nuôi cấy rễ|cell culture|nuôi cấy tế bào",
    "seaweed": "seaweed|rong biển|rong sụn|algae|tảo|carrageenan|alginate|vi tảo|microalgae",
    "bioplastic": "bioplastic|nhựa sinh học|biodegradable|phân hủy sinh học|compostable|tự phân hủy|packaging film|"
    "màng bao bì|bao bì|sustainable packaging",
    "controlled_atmosphere": "controlled atmosphere|điều chỉnh thành phần khí|khí quyển điều chỉnh|ethylene|etylen|"
    "ripening|quá trình chín|reefer|container lạnh|cold storage|kho lạnh|refrigeration|làm lạnh",
    "grading_sorting": "grading|phân loại|sorting|near infrared|cận hồng ngoại|nir|quality grading|phân loại chất lượng",
    "deforestation": "deforestation|phá rừng|mất rừng|eudr|forest|rừng|agroforestry|nông lâm kết hợp|mangrove|rừng ngập mặn|"
    "reforestation|trồng rừng|blue carbon|carbon xanh dương",
    "carbon_border": "carbon border adjustment|cơ chế điều chỉnh biên giới carbon|cbam|embedded emissions|"
    "phát thải nội hàm|phát thải gián tiếp|scope 3|product carbon footprint",
    "energy_audit": "energy audit|kiểm toán năng lượng|heat recovery|thu hồi nhiệt|nhiệt thải|waste heat|compressor|máy nén|"
    "boiler|lò hơi|variable speed drive|biến tần|retrofit|cải tạo thiết bị|chiller",
    "water_quality": "water quality|chất lượng nước|dissolved oxygen|oxy hòa tan|conductivity|độ dẫn điện|salinity sensor|"
    "độ mặn|ph sensor|ammonia|amoni|nước lợ|brackish water",
    "flood": "flood|lũ lụt|ngập lụt|ngập úng|flood forecasting|dự báo lũ|early warning|cảnh báo sớm|disaster|thiên tai|"
    "storm|bão|landslide|sạt lở",
    "weather_forecast": "weather forecast|dự báo thời tiết|forecasting model|mô hình dự báo|nowcasting|hydrological|thủy văn|"
    "meteorological|khí tượng",
    "vocational_training": "vocational training|đào tạo nghề|giáo dục nghề nghiệp|dual training|đào tạo kép|apprenticeship|"
    "học nghề|technical college|trường cao đẳng|skills training|đào tạo kỹ năng|curriculum|chương trình đào tạo|giáo trình",
    "immersive": "virtual reality|thực tế ảo|augmented reality|thực tế tăng cường|mixed reality|thực tế hỗn hợp|"
    "simulation|mô phỏng|simulator|trình mô phỏng|metaverse",
    "welding_machining": "welding|kỹ thuật hàn|thợ hàn|machining|gia công cơ khí|mould|khuôn mẫu|injection moulding|"
    "ép nhựa|casting|đúc kim loại",
    "personalised_learning": "personalised learning|personalized learning|học tập cá nhân hóa|adaptive learning|"
    "học thích ứng|adaptive engine|học liệu|learning content|nội dung học tập|textbook|sách giáo khoa|mathematics|toán học",
    "interoperability": "interoperability|liên thông|kết nối liên thông|data exchange|chia sẻ dữ liệu|trao đổi dữ liệu|"
    "once only|khai báo một lần|open data|dữ liệu mở|integration platform|nền tảng tích hợp|ndxp|lgsp",
    "ot_security": "operational technology|công nghệ vận hành|ot security|industrial control system|"
    "hệ thống điều khiển công nghiệp|ics security|scada security|mạng vận hành",
    "cobot": "collaborative robot|robot cộng tác|cobot|robot arm|cánh tay robot|system integrator|nhà tích hợp hệ thống",
    "private_network": "private network|mạng riêng|mạng dùng riêng|private 5g|campus network|mạng nội bộ",
    "small_satellite": "cubesat|small satellite|vệ tinh nhỏ|vệ tinh siêu nhỏ|microsatellite|satellite bus|nanosatellite",
    "solvent_extraction": "solvent extraction|tách chiết dung môi|chiết tách|separation|tách chiết|tailings|bã thải|"
    "quặng đuôi|ore processing|tuyển quặng|refining|tinh luyện",
    "lidar_optics": "lidar|photonics|quang tử|optics|quang học|laser|optical sensor|cảm biến quang",
    "edge_device": "edge device|thiết bị biên|npu|neural processing unit|bộ xử lý thần kinh|ai chip|chip ai|"
    "system on module|camera module",
    "video_analytics": "video analytics|phân tích video|camera giám sát|surveillance camera|cctv|camera an ninh",
    "tourism": "tourism|du lịch|tourist|khách du lịch|hospitality|khách sạn|travel|lữ hành",
    "qr_code": "qr code|mã qr|qr|contactless|không tiếp xúc|merchant|điểm chấp nhận thanh toán|người bán",
    "specialty_products": "ocop|đặc sản|specialty food|specialty products|sản phẩm đặc trưng|local specialties|"
    "fish sauce|nước mắm|coconut|dừa|virgin coconut oil|dầu dừa",
    "cosmetics": "cosmetics|mỹ phẩm|personal care|chăm sóc cá nhân|skincare|chăm sóc da",
    "cold_chain_logistics": "cold chain logistics|logistics lạnh|temperature controlled|kiểm soát nhiệt độ|"
    "temperature monitoring|giám sát nhiệt độ",
    "desalination": "desalination|khử mặn|lọc nước biển|reverse osmosis|thẩm thấu ngược",
    "ginseng_herbs": "ginseng|sâm|sâm ngọc linh|ginsenoside|saponin|herbal|thảo dược|medicinal plant|cây dược liệu",
    "animal_health": "veterinary|thú y|animal vaccine|vắc xin thú y|swine|lợn|heo|african swine fever|dịch tả lợn châu phi|"
    "poultry vaccine|gia cầm",
    "gmp_scale_up": "gmp|good manufacturing practice|thực hành sản xuất tốt|scale up|mở rộng quy mô|quy mô công nghiệp|"
    "industrial scale|pilot plant|xưởng thí điểm|purification|tinh sạch|downstream processing",
    "smart_meter": "smart meter|công tơ thông minh|đồng hồ thông minh|metering|đo đếm",
    "ppa": "power purchase agreement|hợp đồng mua bán điện|ppa|dppa|mua bán điện trực tiếp|offtake|bao tiêu",
    "battery_swap": "battery swapping|đổi pin|battery swap|trạm đổi pin|two wheeler|xe hai bánh",
    "mpw_pdk": "multi project wafer|mpw|process design kit|pdk|tape out|tapeout|chế tạo thử nghiệm|design library|"
    "thư viện thiết kế|ip core|lõi ip",
    # --- cooperation modes and ecosystem actors
    "technology_transfer": "technology transfer|chuyển giao công nghệ|know how|bí quyết công nghệ|tech transfer|"
    "transfer technology|chuyển giao|làm chủ công nghệ|master the technology|localisation of technology",
    "joint_rnd": "joint research|nghiên cứu chung|hợp tác nghiên cứu|co development|cùng phát triển|đồng phát triển|"
    "joint development|r&d|nghiên cứu và phát triển|research and development|nghiên cứu phát triển|co research|"
    "joint project|dự án chung|research collaboration|research partnership",
    "investment": "investment|đầu tư|investor|nhà đầu tư|venture capital|quỹ đầu tư mạo hiểm|đầu tư mạo hiểm|"
    "funding|gọi vốn|huy động vốn|quỹ đầu tư|equity|vốn cổ phần|capital|nguồn vốn|vc fund|venture fund|fundraising|"
    "rót vốn|ticket size",
    "early_stage_funding": "seed funding|vòng hạt giống|pre seed|tiền hạt giống|seed round|vốn mồi|seed stage|"
    "giai đoạn hạt giống|early stage|giai đoạn đầu|giai đoạn sớm|angel investor|nhà đầu tư thiên thần|angel",
    "growth_funding": "series a|vòng a|series b|vòng b|growth stage|giai đoạn tăng trưởng|late stage|growth equity|"
    "series c|pre ipo|giai đoạn sau",
    "grant": "grant|tài trợ|không hoàn lại|non refundable|grant funding|quỹ tài trợ|matching fund",
    "market_access": "market access|tiếp cận thị trường|thâm nhập thị trường|market entry|mở rộng thị trường|go to market|"
    "distribution|phân phối|kênh phân phối|distribution channel|sales channel|kênh bán hàng|distributor|"
    "nhà phân phối|reseller|đại lý|market expansion|gia nhập thị trường|vào thị trường",
    "licensing_ip": "licensing|cấp phép|license|licence|patent|bằng sáng chế|sáng chế|intellectual property|"
    "sở hữu trí tuệ|ip licensing|bản quyền|license agreement|giấy phép sử dụng",
    "acquisition": "acquisition|mua lại|m&a|mua bán sáp nhập|sáp nhập|merger|acquire|mua công nghệ|buy technology",
    "training_talent": "training|đào tạo|talent|nhân tài|nhân lực|workforce|engineer training|đào tạo kỹ sư|internship|"
    "thực tập|scholarship|học bổng|upskilling|nâng cao kỹ năng|human resources|nguồn nhân lực|đào tạo nhân lực|"
    "kỹ sư|engineers|bootcamp|khóa đào tạo|capacity building|nâng cao năng lực",
    "expert_exchange": "expert|chuyên gia|mentor|cố vấn|mentorship|mentoring|advisor|adviser|advisory|tư vấn|consulting|"
    "visiting expert|chuyên gia thỉnh giảng|consultant|expert exchange|trao đổi chuyên gia|visiting researcher",
    "pilot_customer": "pilot|thí điểm|proof of concept|poc|thử nghiệm|first customer|khách hàng đầu tiên|"
    "khách hàng thí điểm|procurement|đặt hàng|sandbox|triển khai thử|pilot project|dự án thí điểm|testbed|"
    "early adopter|use case|triển khai thực tế|field trial|khách hàng",
    "platform_infrastructure": "platform|nền tảng|infrastructure|hạ tầng|cơ sở hạ tầng|hardware|phần cứng|sdk|api|"
    "development kit|bộ công cụ phát triển|devkit|dev kit|reference design|thiết kế tham chiếu|toolchain|"
    "core platform|nền tảng lõi|công nghệ lõi|core technology",
    "incubation_acceleration": "incubation|ươm tạo|incubator|vườn ươm|accelerator|tăng tốc khởi nghiệp|"
    "acceleration program|chương trình tăng tốc|soft landing|hạ cánh mềm|startup program|chương trình khởi nghiệp|"
    "cohort|demo day|ươm tạo doanh nghiệp|hỗ trợ khởi nghiệp|startup support|acceleration",
    "standards": "standard|tiêu chuẩn|standardisation|standardization|tiêu chuẩn hóa|certification|chứng nhận|"
    "chứng chỉ|quy chuẩn|compliance|tuân thủ|conformity|hợp chuẩn|testing and certification|thử nghiệm và chứng nhận",
    "startup": "startup|khởi nghiệp|start up|doanh nghiệp khởi nghiệp|công ty khởi nghiệp|founder|nhà sáng lập|"
    "spin off|spinoff",
    "innovation_center": "innovation center|innovation centre|trung tâm đổi mới sáng tạo|innovation hub|"
    "hi tech park|high tech park|khu công nghệ cao|technology park|công viên công nghệ|science park|công viên khoa học|"
    "innovation cluster|cụm đổi mới sáng tạo|cluster|cụm liên kết|công viên phần mềm|software park|tech hub",
    "innovation": "innovation|đổi mới sáng tạo|innovative|sáng tạo|innovation ecosystem|hệ sinh thái đổi mới sáng tạo|"
    "ecosystem|hệ sinh thái",
    "university_research": "university|đại học|trường đại học|research institute|viện nghiên cứu|laboratory|"
    "phòng thí nghiệm|research center|trung tâm nghiên cứu|researcher|nhà nghiên cứu|academic|học thuật|lab",
    "rnd_center": "r&d center|r&d centre|trung tâm r&d|trung tâm nghiên cứu và phát triển|innovation lab|"
    "design center|trung tâm thiết kế",
    "sme": "sme|smes|doanh nghiệp nhỏ và vừa|dnnvv|small and medium enterprises|small business|doanh nghiệp nhỏ",
    "manufacturer": "manufacturer|nhà sản xuất|manufacturing|sản xuất|factory|nhà máy|production|dây chuyền sản xuất|"
    "production line",
    "government": "ministry|government|chính phủ|cơ quan nhà nước|public sector|khu vực công|government agency|"
    "cơ quan quản lý|local authority|chính quyền|ủy ban nhân dân|provincial",
    "localisation": "localization|localisation|bản địa hóa|nội địa hóa|localised|localized",
    "make_in_vietnam": "make in vietnam|make in viet nam|made in vietnam|sản phẩm việt|công nghệ việt",
    "vietnam": "vietnam|viet nam|việt nam|vietnamese|người việt",
    "southeast_asia": "southeast asia|đông nam á|asean|sea region",
}

# case-sensitive acronyms (matched on the original text) -> concept
ACRONYMS: dict[str, str] = {
    "AI": "ai", "ML": "machine_learning", "NLP": "nlp", "LLM": "llm", "LLMs": "llm", "GenAI": "llm",
    "IC": "semiconductor", "ICs": "semiconductor", "SoC": "semiconductor", "EDA": "chip_design",
    "OSAT": "chip_packaging", "IoT": "iot", "EV": "electric_vehicle", "EVs": "electric_vehicle",
    "ESG": "esg", "MRV": "emissions", "GHG": "emissions", "PoC": "pilot_customer", "POC": "pilot_customer",
    "IP": "licensing_ip", "SME": "sme", "SMEs": "sme", "UAV": "drone", "PV": "solar", "GIS": "gis",
    "VC": "investment", "CNTT": "software_development", "IT": "software_development", "ĐMST": "innovation",
    "KHCN": "university_research", "TMĐT": "ecommerce", "NCPT": "joint_rnd", "BIM": "construction", "RAS": "aquaculture",
}
