"""The central store: every table of Sitamu, one module per area."""
from .appointment import Appointment
from .audit import AuditLog
from .delivery import ReportDelivery, ReportDispatch
from .device import Device, EnrollmentCode
from .notification import Notification
from .office import Host, Office, Service
from .report import IkmFollowUp, ReportDocument, ReportForget, ReportJob
from .staff import ROLES, StaffUser
from .survey import ELEMENT_KEYS, SurveyResponse
from .sync import ChangeLog, Quarantine, SurveyLink
from .visit import Attachment, BlobUpload, Visit, VisitEvent

__all__ = [
    "Appointment", "AuditLog", "Attachment", "BlobUpload", "ChangeLog", "Device", "ELEMENT_KEYS", "EnrollmentCode", "Host", "IkmFollowUp",
    "Notification", "Office", "Quarantine", "ROLES", "ReportDelivery", "ReportDispatch", "ReportDocument", "ReportForget", "ReportJob", "Service", "StaffUser", "SurveyLink", "SurveyResponse", "Visit",
    "VisitEvent",
]
