"""ORM models, one module per aggregate. Importing this package registers every table."""

from app.core.jobs.models import Job, JobAttempt  # registered with the other tables
from app.models.account import AuthSession, LoginThrottle, RefreshToken, User
from app.models.apikey import ApiKey
from app.models.campaign import Campaign, CampaignChecklist, CampaignGrid, CampaignHousehold, CampaignVisit
from app.models.category import Category
from app.models.followup import FollowUp, SyncCounter
from app.models.geo import Grid, GridRevision, Region
from app.models.hotline import HotlineDelivery, HotlinePlatform, HotlineSignature, HotlineTicket
from app.models.household import GridRoster, Household, HouseholdAudit, HouseholdTag, HouseholdTagLink
from app.models.media import Attachment, AttachmentExpectation, MediaBlob
from app.models.open311 import Open311Request, Open311Update
from app.models.patrol import DutyDay, HouseholdVisit, Patrol, PatrolCheckin, PatrolDay, TrackPoint
from app.models.policy import Holiday, RoutingPolicy
from app.models.report import Report, ReportEvent
from app.models.stats import CaseFact, StatsDay
from app.models.unit import Unit

__all__ = [
    "ApiKey",
    "Attachment",
    "AttachmentExpectation",
    "AuthSession",
    "Campaign",
    "CampaignChecklist",
    "CampaignGrid",
    "CampaignHousehold",
    "CampaignVisit",
    "CaseFact",
    "Category",
    "DutyDay",
    "FollowUp",
    "Grid",
    "GridRevision",
    "GridRoster",
    "Holiday",
    "HotlineDelivery",
    "HotlinePlatform",
    "HotlineSignature",
    "HotlineTicket",
    "Household",
    "HouseholdAudit",
    "HouseholdTag",
    "HouseholdTagLink",
    "HouseholdVisit",
    "Job",
    "JobAttempt",
    "LoginThrottle",
    "MediaBlob",
    "Open311Request",
    "Open311Update",
    "Patrol",
    "PatrolCheckin",
    "PatrolDay",
    "RefreshToken",
    "Region",
    "Report",
    "ReportEvent",
    "RoutingPolicy",
    "StatsDay",
    "SyncCounter",
    "TrackPoint",
    "Unit",
    "User",
]
