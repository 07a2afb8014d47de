"""Small word pools for generated listings and needs (bench/generate.py), in the four content
languages, so that full-text search finds something (cocina, comunitaria, alimentos, food,
clinic, moradia, logement...). Fictional: any likeness to a real group is chance."""

from directory.choices import ListingKind, NeedKind, OwnershipModel

LANGS = ("es", "pt", "fr", "en")
KINDS = tuple(ListingKind.values)
KIND_WEIGHTS = (0.40, 0.35, 0.25)

#: Themes drive names, summaries and categories together.
THEMES = (
    "food",
    "housing",
    "health",
    "work",
    "education",
    "legal",
    "mutual",
    "finance",
    "culture",
    "transport",
    "environment",
)
THEME_WEIGHTS = (0.22, 0.10, 0.10, 0.16, 0.08, 0.06, 0.12, 0.05, 0.04, 0.03, 0.04)

#: Leaf categories (fixtures/demo/categories.json) of each theme.
THEME_CATEGORIES = {
    "food": ["food-coops", "community-kitchens", "food-banks", "community-gardens"],
    "housing": ["tenants-unions", "housing-coops", "shelters"],
    "health": ["free-clinics", "mental-health", "harm-reduction"],
    "work": [
        "cleaning-coops",
        "construction-coops",
        "care-work",
        "childcare-coops",
        "crafts-textiles",
        "agriculture-coops",
        "tech-coops",
        "translation-coops",
    ],
    "education": ["language-classes", "know-your-rights", "adult-literacy"],
    "legal": ["immigration-legal", "workers-rights"],
    "mutual": ["rapid-response", "immigrant-support", "disaster-relief", "free-stores"],
    "finance": ["credit-unions", "lending-circles", "community-banks"],
    "culture": ["culture"],
    "transport": ["bike-workshops", "ride-shares"],
    "environment": ["recycling"],
}

PREFIX = {
    "es": {
        "cooperative": ["Cooperativa", "Cooperativa de Trabajo", "Sociedad Cooperativa"],
        "mutual_aid": ["Red de Apoyo Mutuo", "Colectivo de Ayuda Mutua", "Brigada Solidaria"],
        "community_project": ["Proyecto Comunitario", "Centro Comunitario", "Colectivo"],
    },
    "pt": {
        "cooperative": ["Cooperativa", "Cooperativa Popular"],
        "mutual_aid": ["Rede de Apoio Mútuo", "Coletivo Solidário"],
        "community_project": ["Projeto Comunitário", "Associação Comunitária"],
    },
    "fr": {
        "cooperative": ["Coopérative", "Coopérative de travail"],
        "mutual_aid": ["Réseau d'entraide", "Collectif d'entraide"],
        "community_project": ["Projet communautaire", "Centre communautaire"],
    },
    "en": {
        "cooperative": ["Cooperative", "Workers' Cooperative", "Co-op"],
        "mutual_aid": [
            "Mutual Aid Network",
            "Solidarity Collective",
            "Neighbors Helping Neighbors",
        ],
        "community_project": ["Community Project", "Community Center", "Collective"],
    },
}

THEME_NAME = {
    "es": {
        "food": [
            "de Alimentos",
            "Cocina Comunitaria",
            "Comedor Popular",
            "Huerta Urbana",
            "Banco de Alimentos",
        ],
        "housing": ["de Vivienda", "Inquilinos Unidos", "Albergue", "Vivienda Digna"],
        "health": ["Clínica Popular", "Salud Comunitaria", "Salud Mental", "Reducción de Daños"],
        "work": [
            "de Limpieza",
            "de Construcción",
            "Textil",
            "Agrícola",
            "de Cuidados",
            "de Tecnología",
        ],
        "education": [
            "Escuela Popular",
            "Alfabetización",
            "Clases de Idiomas",
            "Conoce tus Derechos",
        ],
        "legal": ["Asesoría Legal", "Derechos Laborales", "Defensa Migrante"],
        "mutual": ["Respuesta Rápida", "Apoyo a Migrantes", "Tienda Gratis", "Ayuda en Desastres"],
        "finance": ["de Ahorro y Crédito", "Caja Popular", "Tanda Solidaria"],
        "culture": ["Cultural", "Radio Comunitaria", "Teatro Popular"],
        "transport": ["Taller de Bicicletas", "de Transporte"],
        "environment": ["de Reciclaje", "Compostaje Comunitario"],
    },
    "pt": {
        "food": ["de Alimentos", "Cozinha Comunitária", "Horta Comunitária", "Banco de Alimentos"],
        "housing": ["de Moradia", "Moradia Popular", "Casa de Acolhida"],
        "health": ["Clínica Popular", "Saúde Comunitária", "Saúde Mental"],
        "work": ["de Limpeza", "de Construção", "Têxtil", "Agrícola", "de Cuidados"],
        "education": ["Escola Popular", "Alfabetização", "Cursinho Popular"],
        "legal": ["Assessoria Jurídica", "Direitos Trabalhistas", "Defesa de Migrantes"],
        "mutual": ["Resposta Rápida", "Apoio a Migrantes", "Loja Gratuita"],
        "finance": ["de Crédito", "Banco Comunitário", "Fundo Solidário"],
        "culture": ["Cultural", "Rádio Comunitária"],
        "transport": ["Oficina de Bicicletas", "de Transporte"],
        "environment": ["de Reciclagem", "de Catadores"],
    },
    "fr": {
        "food": [
            "Cuisine Communautaire",
            "Banque Alimentaire",
            "Jardin Collectif",
            "Alimentation Solidaire",
        ],
        "housing": ["de Logement", "Logement Solidaire", "Locataires Unis", "Hébergement"],
        "health": ["Clinique Communautaire", "Santé Communautaire", "Santé Mentale"],
        "work": ["de Nettoyage", "de Construction", "Textile", "Agricole", "de Soins"],
        "education": ["École Populaire", "Alphabétisation", "Cours de Langues"],
        "legal": ["Aide Juridique", "Droits des Travailleurs", "Défense des Migrants"],
        "mutual": ["Réponse Rapide", "Soutien aux Migrants", "Magasin Gratuit"],
        "finance": ["Caisse Populaire", "Crédit Solidaire"],
        "culture": ["Culturel", "Radio Communautaire"],
        "transport": ["Atelier Vélo", "Covoiturage Solidaire"],
        "environment": ["Recyclage", "Compost Collectif"],
    },
    "en": {
        "food": ["Community Kitchen", "Food Bank", "Community Garden", "Food Pantry", "Grocery"],
        "housing": ["Housing", "Tenants Union", "Shelter", "Land Trust"],
        "health": ["Free Clinic", "Community Health", "Harm Reduction", "Mental Health"],
        "work": ["Cleaning", "Builders", "Textiles", "Farm", "Care Workers", "Tech"],
        "education": ["Literacy Project", "Language Classes", "Know Your Rights", "Freedom School"],
        "legal": ["Legal Aid", "Workers' Rights", "Immigrant Legal Defense"],
        "mutual": ["Rapid Response", "Immigrant Support", "Free Store", "Disaster Relief"],
        "finance": ["Credit Union", "Lending Circle", "Community Bank"],
        "culture": ["Arts Collective", "Community Radio"],
        "transport": ["Bike Workshop", "Ride Share"],
        "environment": ["Recycling", "Compost"],
    },
}

FLOURISH = {
    "es": [
        "La Esperanza",
        "El Sol",
        "Tierra y Libertad",
        "Manos Unidas",
        "La Semilla",
        "Nuevo Amanecer",
        "El Progreso",
        "Las Flores",
        "La Milpa",
        "Raíces",
        "El Faro",
        "Colibrí",
    ],
    "pt": ["Esperança", "Mãos Dadas", "Semente", "Novo Horizonte", "União", "Raízes", "Girassol"],
    "fr": ["L'Espoir", "La Ruche", "Solidarité", "Le Pont", "L'Étoile", "Les Racines", "Le Phare"],
    "en": [
        "Commons",
        "Unity",
        "Riverside",
        "Hope",
        "Roots",
        "Harvest",
        "Northside",
        "Eastside",
        "Sunrise",
        "Cornerstone",
        "Beacon",
        "Main Street",
    ],
}

KIND_NOUN = {
    "es": {
        "cooperative": "Cooperativa",
        "mutual_aid": "Red de apoyo mutuo",
        "community_project": "Proyecto comunitario",
    },
    "pt": {
        "cooperative": "Cooperativa",
        "mutual_aid": "Rede de apoio mútuo",
        "community_project": "Projeto comunitário",
    },
    "fr": {
        "cooperative": "Coopérative",
        "mutual_aid": "Réseau d'entraide",
        "community_project": "Projet communautaire",
    },
    "en": {
        "cooperative": "Cooperative",
        "mutual_aid": "Mutual aid network",
        "community_project": "Community project",
    },
}

IN = {"es": "en", "pt": "em", "fr": "à", "en": "in"}

THEME_DESC = {
    "es": {
        "food": [
            "de cocina comunitaria",
            "que reparte alimentos",
            "con comedor popular y huerta",
            "de alimentos y cocina comunitaria",
        ],
        "housing": [
            "por la vivienda digna",
            "de inquilinos organizados",
            "de vivienda cooperativa",
        ],
        "health": ["con clínica comunitaria gratuita", "de salud comunitaria", "de salud mental"],
        "work": [
            "de trabajadoras de limpieza",
            "de construcción",
            "de cuidados y limpieza",
            "de producción textil",
        ],
        "education": ["de educación popular", "de clases de idiomas", "de alfabetización"],
        "legal": ["de asesoría legal gratuita", "de defensa de derechos laborales"],
        "mutual": ["de apoyo mutuo", "de respuesta rápida", "de apoyo a personas migrantes"],
        "finance": ["de ahorro y crédito", "de préstamos solidarios"],
        "culture": ["de cultura comunitaria", "de radio comunitaria"],
        "transport": ["de bicicletas y transporte", "de transporte solidario"],
        "environment": ["de reciclaje", "de compostaje comunitario"],
    },
    "pt": {
        "food": [
            "de cozinha comunitária",
            "que distribui alimentos",
            "com horta e cozinha comunitária",
        ],
        "housing": ["por moradia digna", "de moradia popular", "de moradia cooperativa"],
        "health": ["com clínica comunitária gratuita", "de saúde comunitária"],
        "work": ["de trabalhadoras da limpeza", "de construção", "de costura e têxtil"],
        "education": ["de educação popular", "de alfabetização"],
        "legal": ["de assessoria jurídica gratuita", "de direitos trabalhistas"],
        "mutual": ["de apoio mútuo", "de apoio a migrantes"],
        "finance": ["de crédito solidário", "de banco comunitário"],
        "culture": ["de cultura popular", "de rádio comunitária"],
        "transport": ["de bicicletas", "de transporte solidário"],
        "environment": ["de reciclagem", "de catadores de materiais recicláveis"],
    },
    "fr": {
        "food": [
            "de cuisine communautaire",
            "qui distribue de l'alimentation",
            "avec jardin et cuisine",
        ],
        "housing": ["pour le logement digne", "de logement coopératif", "de locataires"],
        "health": ["avec clinique communautaire gratuite", "de santé communautaire"],
        "work": ["de travailleuses du nettoyage", "de construction", "de soins à domicile"],
        "education": ["d'éducation populaire", "d'alphabétisation", "de cours de langues"],
        "legal": ["d'aide juridique gratuite", "de défense des droits des travailleurs"],
        "mutual": ["d'entraide", "de soutien aux migrants"],
        "finance": ["de crédit solidaire", "de caisse populaire"],
        "culture": ["de culture populaire", "de radio communautaire"],
        "transport": ["d'atelier vélo", "de transport solidaire"],
        "environment": ["de recyclage", "de compost collectif"],
    },
    "en": {
        "food": [
            "running a community kitchen",
            "sharing free food",
            "with a food pantry and garden",
            "for food and community meals",
        ],
        "housing": ["for affordable housing", "of organized tenants", "for housing co-ops"],
        "health": ["with a free clinic", "for community health", "for mental health support"],
        "work": ["of cleaning workers", "of builders", "of care workers", "of tech workers"],
        "education": ["for popular education", "for language classes", "for adult literacy"],
        "legal": ["offering free legal aid", "for workers' rights"],
        "mutual": ["for mutual aid", "for rapid response", "supporting immigrants"],
        "finance": ["for savings and credit", "for lending circles"],
        "culture": ["for community arts", "for community radio"],
        "transport": ["for bikes and repair", "for shared rides"],
        "environment": ["for recycling", "for community compost"],
    },
}

ACTIVITY = {
    "es": [
        "Ofrecemos alimentos y comidas calientes.",
        "Abierto a toda la comunidad.",
        "Buscamos voluntarios.",
        "Apoyo mutuo sin preguntas.",
        "Talleres gratuitos cada semana.",
        "Autogestionada por sus socias.",
        "Atención en español e inglés.",
        "Cocina comunitaria los fines de semana.",
        "No pedimos identificación.",
    ],
    "pt": [
        "Oferecemos alimentos e refeições.",
        "Aberto a toda a comunidade.",
        "Precisamos de voluntários.",
        "Apoio mútuo e moradia digna.",
        "Oficinas gratuitas toda semana.",
        "Gestão coletiva pelas associadas.",
    ],
    "fr": [
        "Nous offrons des repas et de l'alimentation.",
        "Ouvert à toute la communauté.",
        "Nous cherchons des bénévoles.",
        "Entraide et logement pour toutes et tous.",
        "Ateliers gratuits chaque semaine.",
        "Géré par ses membres.",
    ],
    "en": [
        "We share free food and hot meals.",
        "Open to the whole community.",
        "Volunteers welcome.",
        "Mutual aid, no questions asked.",
        "Free workshops every week.",
        "Worker-owned and democratically run.",
        "Walk-ins welcome, no ID needed.",
    ],
}

STREETS = [
    "Calle Juárez",
    "Av. Hidalgo",
    "Rua da Paz",
    "Main St",
    "Rue Principale",
    "Calle 5 de Mayo",
    "Av. Independencia",
    "Rua Augusta",
    "Broadway",
    "Calle Real",
    "Oak Ave",
    "Rua Direita",
]

ACCESS = (
    ("free", 0.45),
    ("no_id_required", 0.25),
    ("no_status_questions", 0.15),
    ("walk_in", 0.35),
    ("wheelchair_accessible", 0.20),
    ("serves_unhoused", 0.12),
    ("lgbtq_affirming", 0.10),
    ("families_welcome", 0.30),
    ("interpretation_available", 0.08),
)

OWNERSHIP = list(OwnershipModel.values)

#: Content language by country (default English).
COUNTRY_LANGUAGE = {
    **{
        code: "es"
        for code in (
            "MX",
            "GT",
            "HN",
            "SV",
            "NI",
            "CR",
            "PA",
            "CO",
            "VE",
            "EC",
            "PE",
            "BO",
            "CL",
            "AR",
            "UY",
            "PY",
            "CU",
            "DO",
            "PR",
        )
    },
    "BR": "pt",
    **{code: "fr" for code in ("HT", "GF", "GP", "MQ", "BL", "MF", "PM")},
}

#: A language spoken besides the content language, by country.
SECOND_LANGUAGE = {
    "MX": "nah",
    "GT": "quc",
    "PE": "qu",
    "BO": "qu",
    "PY": "gn",
    "EC": "qu",
    "HT": "ht",
    "US": "es",
    "CA": "fr",
    "BR": "es",
    "PR": "en",
}

NEED_KINDS = tuple(NeedKind.values)

NEED_TITLE = {
    "es": [
        "Se necesitan voluntarios",
        "Buscamos personas con oficio",
        "Donaciones para la renta",
        "Alimentos no perecederos",
        "Materiales y útiles",
        "Buscamos un local",
        "Transporte para entregas",
        "Equipo de cocina",
        "Asesoría legal",
        "Intérpretes de lenguas indígenas",
        "Cuidado infantil en asambleas",
        "Apoyo general",
    ],
    "pt": [
        "Precisamos de voluntários",
        "Procuramos pessoas com ofício",
        "Doações para o aluguel",
        "Alimentos não perecíveis",
        "Materiais e suprimentos",
        "Procuramos um espaço",
        "Transporte para entregas",
        "Equipamento de cozinha",
        "Assessoria jurídica",
        "Intérpretes",
        "Cuidado infantil",
        "Apoio geral",
    ],
    "fr": [
        "Nous cherchons des bénévoles",
        "Compétences recherchées",
        "Dons pour le loyer",
        "Denrées non périssables",
        "Matériel et fournitures",
        "Nous cherchons un local",
        "Transport pour les livraisons",
        "Équipement de cuisine",
        "Aide juridique",
        "Interprètes",
        "Garde d'enfants",
        "Soutien général",
    ],
    "en": [
        "Volunteers needed",
        "Skilled help wanted",
        "Donations for rent",
        "Non-perishable food",
        "Supplies",
        "Looking for a space",
        "Drivers for deliveries",
        "Kitchen equipment",
        "Legal help",
        "Interpreters",
        "Childcare during meetings",
        "General support",
    ],
}

SKILLS = [
    "cooking",
    "driving",
    "carpentry",
    "plumbing",
    "first-aid",
    "nursing",
    "accounting",
    "web-design",
    "translation",
    "childcare",
    "legal",
    "teaching",
    "electrical",
    "spanish",
]


def pools() -> dict:
    """Everything SQL needs, as one JSON document (passed to PostgreSQL as jsonb)."""
    return {
        "prefix": PREFIX,
        "theme_name": THEME_NAME,
        "flourish": FLOURISH,
        "kind_noun": KIND_NOUN,
        "in": IN,
        "theme_desc": THEME_DESC,
        "activity": ACTIVITY,
        "streets": STREETS,
        "country_language": COUNTRY_LANGUAGE,
        "second_language": SECOND_LANGUAGE,
        "need_title": NEED_TITLE,
        "skills": SKILLS,
        "ownership": OWNERSHIP,
    }
