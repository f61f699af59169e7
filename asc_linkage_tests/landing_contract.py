"""The binding landing contract (../shared/design/landing-zone.md), restated by hand once, so that
the YAML in data_specs/ and the synthetic drops are checked against it rather than against themselves."""

CLD_REQUIRED = [
    "LA Code", "Reporting Period Start Date", "Reporting Period End Date", "NHS Number",
    "LA Person Unique Identifier", "First Name", "Last Name", "Gender", "Ethnicity", "Date of Birth",
    "Date of Death", "Client Type", "Primary Support Reason", "Postcode", "Accommodation Status",
    "Event Type", "Event Reference", "Event Start Date", "Event End Date", "Event Outcome",
    "Request: Route of Access", "Assessment Type", "Eligible Needs Identified", "Service Type",
    "Service Component", "Delivery Mechanism", "Review Reason", "Unit Cost",
    "Cost Frequency (Unit Type)", "Planned units per week",
]
CLD_OPTIONAL = [
    "GP Practice Name", "GP Practice Code", "Employment Status", "Has Unpaid Carer",
    "Autism Spectrum Disorder (ASD)", "Visual Impairment", "Hearing Impairment", "Dementia",
    "Client Funding Status", "Event Description", "Method of Assessment", "Total Hrs Caring per week",
    "No. of adults being cared for", "Adult 1 Linked Person_ID", "Adult 2 Linked Person_ID",
    "Adult 3 Linked Person_ID", "Provider CQC Location Name", "Provider CQC Location ID",
    "Review Outcomes Achieved", "Method of Review",
]
MH_COLUMNS = {
    "mh_patients": ["patient_id", "nhs_number", "nhs_number_status", "forename", "surname",
                    "date_of_birth", "gender", "ethnic_category", "postcode", "date_of_death"],
    "mh_addresses": ["patient_id", "postcode", "start_date", "end_date"],
    "mh_referrals": ["referral_id", "patient_id", "referral_received_date", "discharge_date",
                     "source_of_referral", "primary_reason", "team_type"],
    "mh_care_contacts": ["contact_id", "patient_id", "referral_id", "contact_date", "team_type",
                         "attendance", "consultation_medium"],
    "mh_hospital_spells": ["spell_id", "patient_id", "admission_date", "discharge_date",
                           "admission_method", "bed_type", "discharge_destination"],
    "mh_mha_episodes": ["episode_id", "patient_id", "legal_status", "start_date", "end_date"],
    "mh_diagnoses": ["patient_id", "diagnosis_date", "icd10_code", "diagnosis_type"],
    "ref_postcode_lsoa": ["postcode", "lsoa11"],
    "ref_lsoa_imd": ["lsoa11", "imd_decile"],
}
LANDING_PATHS = {
    "cld_events": "asc/cld_events.csv", "mh_patients": "mh/patients.csv",
    "mh_addresses": "mh/addresses.csv", "mh_referrals": "mh/referrals.csv",
    "mh_care_contacts": "mh/care_contacts.csv", "mh_hospital_spells": "mh/hospital_spells.csv",
    "mh_mha_episodes": "mh/mha_episodes.csv", "mh_diagnoses": "mh/diagnoses.csv",
    "ref_postcode_lsoa": "reference/postcode_lsoa.csv", "ref_lsoa_imd": "reference/lsoa_imd.csv",
}

# Optional columns the platform adds to the landing contract (an additive change it allows).
PLATFORM_ADDED_OPTIONAL = ["Lives Alone"]
