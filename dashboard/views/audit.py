from dashboard.audit_page import page

page()
