from dashboard.lights_page import page

page()
