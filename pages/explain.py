import streamlit as st
st.title("Explain")
