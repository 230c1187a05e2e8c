from dashboard.call_page import page

page()
