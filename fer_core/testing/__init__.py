"""What the tests, the benchmarks and the demos share: generated inputs (drawn faces in photos,
clips of them), the dashboard served on a local port and a headless Chromium to visit it.
Nothing personal or licensed is needed, and neither side imports the other. Importing this
package imports neither Streamlit nor Selenium: the app runs in a subprocess and Selenium is
imported only when a browser starts."""
