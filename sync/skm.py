"""The SKM questionnaire's shared vocabulary: the nine element keys and the respondent-profile codes.

A survey response (sync/PROTOCOL.md, "Survey responses") keys its answers by these elements,
never by position, in the order of shared/reference/skm-ikm.md (Permenpan RB 14/2017, U1-U9).
They live here, in the lowest layer, because the models, the API's survey check, the phone
survey and the IKM engine (reports/ikm.py) all read them; none of those imports another for them.
"""

ELEMENT_KEYS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi",
                "perilaku", "pengaduan", "sarana")

# Respondent profile: the codes the survey forms store, with the labels they show, in the
# order the forms list them (and the reports' profile tables follow).
GENDERS = (("L", "Laki-laki"), ("P", "Perempuan"))
AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
EDUCATION = (("sd", "SD"), ("smp", "SMP"), ("sma", "SMA/SMK"), ("d3", "D1–D3"), ("s1", "D4/S1"),
             ("s2", "S2"), ("s3", "S3"))
OCCUPATION = (("pns", "PNS/ASN"), ("tni_polri", "TNI/Polri"), ("swasta", "Pegawai swasta"),
              ("wirausaha", "Wirausaha"), ("pelajar", "Pelajar/Mahasiswa"), ("lainnya", "Lainnya"))
