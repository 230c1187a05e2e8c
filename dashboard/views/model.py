from dashboard.model_page import page

page()
