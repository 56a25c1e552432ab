// Fill the clock form's place from the phone's geolocation when the person allows it.
(function () {
  var lat = document.getElementById("clock-lat");
  var lng = document.getElementById("clock-lng");
  if (!lat || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
    },
    function () {},
    { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
  );
})();
